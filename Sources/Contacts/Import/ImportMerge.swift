import ContactFiles
import Foundation

/// How an imported row changes an existing contact with the same phone: it fills
/// empty fields (or, with `overwrite`, replaces the ones it has), adds its tags and
/// custom fields; stage and score change only with `overwrite`.
struct ImportMerge {
    let overwrite: Bool

    /// The existing contact's fields after the merge, or nil when the row adds nothing.
    func merged(_ existing: Contact, with row: ImportedContact) -> MergedFields? {
        var fields = MergedFields(existing)
        func take(_ value: String?, into keyPath: WritableKeyPath<MergedFields, String?>) {
            guard let value, !value.isEmpty else { return }
            if fields[keyPath: keyPath] == nil || (overwrite && fields[keyPath: keyPath] != value) { fields[keyPath: keyPath] = value }
        }
        if overwrite, let name = row.name, !name.isEmpty { fields.name = name }
        take(row.email, into: \.email)
        take(row.source, into: \.source)
        take(row.temperature, into: \.temperature)
        if overwrite {
            if let stage = row.stage { fields.stage = stage }
            if let score = row.score { fields.score = score }
        }
        for tag in row.tags where !fields.tags.contains(tag) { fields.tags.append(tag) }
        let existingCustom = Self.object(existing.customFields)
        for (key, value) in row.customFields.sorted(by: { $0.key < $1.key }) {
            let current = existingCustom[key]
            if current == nil || (overwrite && (current as? String) != value) { fields.customFields[key] = value }
        }
        return fields == MergedFields(existing) ? nil : fields
    }

    private static func object(_ json: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
    }
}

/// The fields an import may change on an existing contact; `customFields` holds
/// only the keys the import sets (merged into the stored object).
struct MergedFields: Equatable, Encodable {
    let id: UUID
    var name: String
    var email: String?
    var source: String?
    var stage: String
    var temperature: String?
    var score: Int
    var tags: [String]
    var customFields: [String: String]

    init(_ contact: Contact) {
        id = contact.id
        name = contact.name
        email = contact.email
        source = contact.source
        stage = contact.stage.rawValue
        temperature = contact.temperature?.rawValue
        score = contact.score
        tags = contact.tags
        customFields = [:]
    }

    enum CodingKeys: String, CodingKey {
        case id, name, email, source, stage, temperature, score, tags
        case customFields = "custom_fields"
    }
}
