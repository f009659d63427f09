import Contacts
import Foundation
import Hummingbird

/// Notes, timeline and export: the contact's history and the list as a file.
extension ContactsController {
    struct NoteResponse: ResponseEncodable, Sendable {
        let id: UUID
        let contactId: UUID
        let author: Author
        let body: String
        let createdAt: Date

        struct Author: Encodable, Sendable {
            let id: UUID
            let name: String
        }

        init(_ note: ContactNote) {
            id = note.id
            contactId = note.contactID
            author = Author(id: note.authorID, name: note.authorName)
            body = note.body
            createdAt = note.createdAt
        }
    }

    struct AddNoteRequest: Decodable {
        let body: String
    }

    func notes(_ request: Request, context: TenantRequestContext) async throws -> Page<NoteResponse> {
        let id = try context.pathID()
        let page = try PageRequest(request)
        let cursor = try Self.timeCursor(page)
        let notes = try await mapped {
            try await contacts.notes(of: id, after: cursor, limit: page.limit + 1, by: context.contactActor, logger: context.logger)
        }
        let shown = notes.prefix(page.limit)
        let next = notes.count > page.limit ? shown.last.map { Self.encode(TimelineCursor(occurredAt: $0.createdAt, id: $0.id)) } : nil
        return Page(items: shown.map(NoteResponse.init), nextCursor: next)
    }

    func addNote(_ request: Request, context: TenantRequestContext) async throws -> EditedResponse<NoteResponse> {
        let id = try context.pathID()
        let body = try await request.decodeJSON(as: AddNoteRequest.self, context: context).body
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...10_000).contains(body.count) else { throw AppError.validation(pointer: "/body", "must be 1 to 10000 characters") }
        let note = try await mapped { try await contacts.addNote(to: id, body: body, by: context.contactActor, logger: context.logger) }
        return EditedResponse(status: .created, response: NoteResponse(note))
    }

    func timeline(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let id = try context.pathID()
        let page = try PageRequest(request)
        let cursor = try Self.timeCursor(page)
        let entries = try await mapped {
            try await contacts.timeline(of: id, after: cursor, limit: page.limit + 1, by: context.contactActor, logger: context.logger)
        }
        let shown = entries.prefix(page.limit)
        var writer = JSONWriter()
        writer.beginObject()
        writer.beginArray("items")
        for entry in shown {
            writer.beginObject()
            writer.field("id", entry.id)
            writer.field("kind", entry.kind)
            writer.fieldOrNull("actorId", id: entry.actorID)
            writer.fieldOrNull("actorName", entry.actorName)
            writer.field("occurredAt", entry.occurredAt)
            writer.rawField("data", json: entry.data)
            writer.endObject()
        }
        writer.endArray()
        let next = entries.count > page.limit ? shown.last.map { Self.encode(TimelineCursor(occurredAt: $0.occurredAt, id: $0.id)) } : nil
        writer.fieldOrNull("nextCursor", next)
        writer.endObject()
        return writer.response()
    }

    /// The filtered list as CSV, streamed page by page.
    func export(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let (filter, _) = try ContactListQuery.parse(request, role: context.principal.role, userID: context.principal.userID)
        let actor = context.contactActor
        let logger = context.logger
        let contacts = self.contacts
        // Refuse before the 200 starts (a missing tenant, a database that is down).
        _ = try await mapped { try await contacts.list(filter, sort: .oldest, after: nil, limit: 1, by: actor, logger: logger) }
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: ContactService.exportHeader))
            try await contacts.export(filter, by: actor, logger: logger) { text in
                try await writer.write(ByteBuffer(string: text))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"contacts.csv\"",
                .cacheControl: "no-store",
            ],
            body: body
        )
    }

    static func timeCursor(_ page: PageRequest) throws -> TimelineCursor? {
        guard let text = page.cursor else { return nil }
        let parts = text.split(separator: "|")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
            throw AppError.validation(pointer: "/query/cursor", "is not a cursor this server issued")
        }
        return TimelineCursor(occurredAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000), id: id)
    }

    static func encode(_ cursor: TimelineCursor) -> String {
        PageRequest.encodeCursor("\(Int64((cursor.occurredAt.timeIntervalSince1970 * 1_000_000).rounded()))|\(cursor.id.uuidString)")
    }
}
