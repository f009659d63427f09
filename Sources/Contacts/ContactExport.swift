import Foundation
import Logging
import PostgresNIO

/// The contacts of a filtered list as CSV, page by page, so an export of any size
/// streams in constant memory.
extension ContactService {
    public static let exportHeader = "id,name,phone,email,source,stage,temperature,score,tags,owner_id,created_at,updated_at,custom_fields\r\n"

    /// Calls `write` with the CSV lines of each page of up to `pageSize` contacts,
    /// oldest first (a stable order while new contacts arrive).
    public func export(
        _ filter: ContactFilter, by actor: ContactActor, pageSize: Int = 1_000, logger: Logger,
        write: (String) async throws -> Void
    ) async throws {
        var cursor: ContactCursor?
        while true {
            let page = try await list(filter, sort: .oldest, after: cursor, limit: pageSize, by: actor, logger: logger)
            guard let last = page.last else { return }
            var text = ""
            for contact in page { text += Self.csvLine(contact) }
            try await write(text)
            if page.count < pageSize { return }
            cursor = ContactCursor(after: last, sort: .oldest)
        }
    }

    static func csvLine(_ contact: Contact) -> String {
        let fields: [String] = [
            contact.id.uuidString.lowercased(), contact.name, contact.phone ?? "", contact.email ?? "", contact.source ?? "",
            contact.stage.rawValue, contact.temperature?.rawValue ?? "", String(contact.score), contact.tags.joined(separator: ";"),
            contact.ownerID?.uuidString.lowercased() ?? "", contact.createdAt.formatted(.iso8601),
            contact.updatedAt.formatted(.iso8601), contact.customFields == "{}" ? "" : contact.customFields,
        ]
        return fields.map(csvField).joined(separator: ",") + "\r\n"
    }

    /// Quotes a field when needed, and defuses text a spreadsheet would run as a
    /// formula (`=`, `+`, `-`, `@` first) with a leading apostrophe.
    static func csvField(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@".contains(first), !(first == "+" && value.dropFirst().allSatisfy(\.isNumber)) {
            value = "'" + value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
