import Accounts
import Contacts
import Foundation

/// `POST /v1/contacts` body.
struct CreateContactRequest: Decodable {
    let name: String
    let phone: String?
    let email: String?
    let source: String?
    let stage: String?
    let temperature: String?
    let score: Int?
    let tags: [String]?
    let ownerId: String?
    let customerUserId: String?

    func validated(customFields body: [String: Any]) throws -> ContactDraft {
        var validator = FieldValidator()
        let name = validator.check { try FieldRules.name(self.name, pointer: "/name") } ?? ""
        var draft = ContactDraft(name: name)
        draft.phone = phone.flatMap { ContactFieldRules.phone($0, pointer: "/phone", &validator) }
        draft.email = email.flatMap { ContactFieldRules.email($0, pointer: "/email", &validator) }
        draft.source = source.flatMap { ContactFieldRules.source($0, pointer: "/source", &validator) }
        draft.stage = stage.flatMap { ContactFieldRules.stage($0, pointer: "/stage", &validator) } ?? .new
        draft.temperature = temperature.flatMap { ContactFieldRules.temperature($0, pointer: "/temperature", &validator) }
        draft.score = score.flatMap { ContactFieldRules.score($0, pointer: "/score", &validator) } ?? 0
        draft.tags = ContactFieldRules.tags(tags ?? [], pointer: "/tags", &validator)
        draft.ownerID = ownerId.flatMap { ContactFieldRules.userID($0, pointer: "/ownerId", &validator) }
        draft.customerUserID = customerUserId.flatMap { ContactFieldRules.userID($0, pointer: "/customerUserId", &validator) }
        draft.customFields = ContactFieldRules.customFields(body, pointer: "/customFields", &validator) ?? "{}"
        try validator.finish()
        return draft
    }
}

/// `PATCH /v1/contacts/{id}` body: absent fields stay; `null` clears an optional one.
struct UpdateContactRequest: Decodable {
    let name: String?
    let phone: String??
    let email: String??
    let source: String??
    let stage: String?
    let temperature: String??
    let score: Int?
    let tags: [String]?
    let ownerId: String??
    let customerUserId: String??
    /// Fields sent as null that a contact cannot be without.
    let nulledRequired: [String]
    /// Whether the body named any field this endpoint knows.
    let namesAField: Bool

    enum CodingKeys: String, CodingKey {
        case name, phone, email, source, stage, temperature, score, tags, ownerId, customerUserId, customFields
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func nullable<T: Decodable>(_ key: CodingKeys) throws -> T?? {
            guard container.contains(key) else { return nil }
            if try container.decodeNil(forKey: key) { return .some(nil) }
            return .some(try container.decode(T.self, forKey: key))
        }
        name = try container.decodeIfPresent(String.self, forKey: .name)
        phone = try nullable(.phone)
        email = try nullable(.email)
        source = try nullable(.source)
        stage = try container.decodeIfPresent(String.self, forKey: .stage)
        temperature = try nullable(.temperature)
        score = try container.decodeIfPresent(Int.self, forKey: .score)
        tags = try container.decodeIfPresent([String].self, forKey: .tags)
        ownerId = try nullable(.ownerId)
        customerUserId = try nullable(.customerUserId)
        nulledRequired = try [CodingKeys.name, .stage, .score, .tags].filter {
            container.contains($0) ? try container.decodeNil(forKey: $0) : false
        }.map(\.stringValue)
        namesAField = !container.allKeys.isEmpty
    }

    func validated(customFields body: [String: Any]) throws -> ContactChanges {
        var validator = FieldValidator()
        var changes = ContactChanges()
        changes.name = name.flatMap { name in validator.check { try FieldRules.name(name, pointer: "/name") } }
        changes.phone = phone.map { $0.flatMap { ContactFieldRules.phone($0, pointer: "/phone", &validator) } }
        changes.email = email.map { $0.flatMap { ContactFieldRules.email($0, pointer: "/email", &validator) } }
        changes.source = source.map { $0.flatMap { ContactFieldRules.source($0, pointer: "/source", &validator) } }
        changes.stage = stage.flatMap { ContactFieldRules.stage($0, pointer: "/stage", &validator) }
        changes.temperature = temperature.map { $0.flatMap { ContactFieldRules.temperature($0, pointer: "/temperature", &validator) } }
        changes.score = score.flatMap { ContactFieldRules.score($0, pointer: "/score", &validator) }
        changes.tags = tags.map { ContactFieldRules.tags($0, pointer: "/tags", &validator) }
        changes.ownerID = ownerId.map { $0.flatMap { ContactFieldRules.userID($0, pointer: "/ownerId", &validator) } }
        changes.customerUserID = customerUserId.map {
            $0.flatMap { ContactFieldRules.userID($0, pointer: "/customerUserId", &validator) }
        }
        if body["customFields"] is NSNull {
            validator.fail("/customFields", "must be an object (set a key to null to remove it)")
        } else {
            changes.customFields = ContactFieldRules.customFields(body, pointer: "/customFields", &validator)
        }
        for key in nulledRequired { validator.fail("/\(key)", "cannot be null") }
        if !namesAField { validator.fail("", "must change at least one of the contact's fields") }
        try validator.finish()
        return changes
    }
}

/// `POST /v1/contacts/bulk` body.
struct BulkContactsRequest: Decodable {
    let ids: [String]
    let action: String
    let value: String?

    func validated() throws -> (action: ContactBulkAction, ids: [UUID]) {
        var validator = FieldValidator()
        if ids.isEmpty || ids.count > ContactBulkAction.maximumContacts {
            validator.fail("/ids", "must list 1 to \(ContactBulkAction.maximumContacts) contact ids")
        }
        var parsed: [UUID] = []
        for (index, raw) in ids.enumerated() {
            if let id = UUID(uuidString: raw) { parsed.append(id) } else { validator.fail("/ids/\(index)", "must be a contact id") }
        }
        func required() -> String? {
            guard let value, !value.isEmpty else {
                validator.fail("/value", "is required for \(action)")
                return nil
            }
            return value
        }
        var bulkAction: ContactBulkAction?
        switch action {
        case "setStage":
            bulkAction = required().flatMap { ContactFieldRules.stage($0, pointer: "/value", &validator) }.map { .setStage($0) }
        case "setTemperature":
            bulkAction = value.map { ContactFieldRules.temperature($0, pointer: "/value", &validator).map { .setTemperature($0) } }
                ?? .setTemperature(nil)
        case "addTag":
            bulkAction = required().flatMap { ContactFieldRules.tag($0, pointer: "/value", &validator) }.map { .addTag($0) }
        case "removeTag":
            bulkAction = required().flatMap { ContactFieldRules.tag($0, pointer: "/value", &validator) }.map { .removeTag($0) }
        case "assign":
            bulkAction = value.map { ContactFieldRules.userID($0, pointer: "/value", &validator).map { .assign($0) } } ?? .assign(nil)
        case "delete":
            bulkAction = .delete
        default:
            validator.fail("/action", "must be one of setStage, setTemperature, addTag, removeTag, assign, delete")
        }
        try validator.finish()
        guard let bulkAction else { throw AppError.validation(pointer: "/value", "is not valid for \(action)") }
        return (bulkAction, parsed)
    }
}
