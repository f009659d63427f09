import Hummingbird
import Contacts
import Foundation

/// A contact as the API shows it, written with `JSONWriter` (lists of contacts are
/// the CRM's hottest read).
struct ContactResponse: JSONWritable, Sendable {
    let contact: Contact

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("id", contact.id)
        writer.field("name", contact.name)
        writer.fieldOrNull("phone", contact.phone)
        writer.fieldOrNull("email", contact.email)
        writer.fieldOrNull("source", contact.source)
        writer.field("stage", contact.stage.rawValue)
        writer.fieldOrNull("temperature", contact.temperature?.rawValue)
        writer.field("score", contact.score)
        writer.field("tags", contact.tags)
        writer.fieldOrNull("ownerId", id: contact.ownerID)
        writer.rawField("customFields", json: contact.customFields)
        writer.fieldOrNull("customerUserId", id: contact.customerUserID)
        writer.fieldOrNull("createdBy", id: contact.createdBy)
        writer.field("createdAt", contact.createdAt)
        writer.field("updatedAt", contact.updatedAt)
        if let deletedAt = contact.deletedAt { writer.field("deletedAt", deletedAt) }
        writer.endObject()
    }

    func response(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.response(status: status, headers: headers)
    }
}
