import Foundation
import Logging
import Persistence
import PostgresNIO

/// A note an agent wrote on a contact.
public struct ContactNote: Sendable, Equatable {
    public let id: UUID
    public let contactID: UUID
    public let authorID: UUID
    public let authorName: String
    public let body: String
    public let createdAt: Date
}

extension ContactService {
    /// Adds a note (and its timeline entry).
    public func addNote(to contactID: UUID, body: String, by actor: ContactActor, logger: Logger) async throws -> ContactNote {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            _ = try await visible(contactID, by: actor, on: connection, logger: logger)
            let id = UUID.timeOrdered()
            let rows = try await connection.query(
                """
                WITH note AS (
                    INSERT INTO contact_notes (id, tenant_id, contact_id, author_id, body)
                    VALUES (\(id), \(actor.tenantID), \(contactID), \(actor.userID), \(body))
                    RETURNING created_at
                )
                SELECT note.created_at, u.name FROM note, users u WHERE u.id = \(actor.userID) AND u.tenant_id = \(actor.tenantID)
                """,
                logger: logger
            )
            var note: ContactNote?
            for try await row in rows {
                var columns = row.makeIterator()
                let (createdAt, name) = (try columns.column(Date.self), try columns.column(String.self))
                note = ContactNote(id: id, contactID: contactID, authorID: actor.userID, authorName: name, body: body, createdAt: createdAt)
            }
            guard let note else { throw ContactError.notFound }
            try await timeline.record(
                actor.tenantID, contact: contactID, kind: .note, actor: actor.userID, data: ["noteId": id.uuidString, "body": body],
                at: note.createdAt, on: connection, logger: logger)
            return note
        }
    }

    /// A page of the contact's notes, newest first.
    public func notes(
        of contactID: UUID, after cursor: TimelineCursor?, limit: Int, by actor: ContactActor, logger: Logger
    ) async throws -> [ContactNote] {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            _ = try await visible(contactID, by: actor, on: connection, logger: logger)
            let micros = cursor.map { Int64(($0.occurredAt.timeIntervalSince1970 * 1_000_000).rounded()) }
            let rows = try await connection.query(
                """
                SELECT n.id, n.author_id, u.name, n.body, n.created_at FROM contact_notes n
                JOIN users u ON u.id = n.author_id AND u.tenant_id = n.tenant_id
                WHERE n.tenant_id = \(actor.tenantID) AND n.contact_id = \(contactID)
                  AND (\(micros)::bigint IS NULL
                       OR (n.created_at, n.id) < (timestamptz 'epoch' + \(micros)::bigint * interval '1 microsecond', \(cursor?.id)::uuid))
                ORDER BY n.created_at DESC, n.id DESC LIMIT \(limit)
                """,
                logger: logger
            )
            var notes: [ContactNote] = []
            for try await row in rows {
                var columns = row.makeIterator()
                let (id, author, name, body, createdAt) = (
                    try columns.column(UUID.self), try columns.column(UUID.self), try columns.column(String.self),
                    try columns.column(String.self), try columns.column(Date.self)
                )
                notes.append(
                    ContactNote(id: id, contactID: contactID, authorID: author, authorName: name, body: body, createdAt: createdAt))
            }
            return notes
        }
    }

    /// A page of the contact's timeline, newest first.
    public func timeline(
        of contactID: UUID, after cursor: TimelineCursor?, limit: Int, by actor: ContactActor, logger: Logger
    ) async throws -> [TimelineEntry] {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            _ = try await visible(contactID, by: actor, on: connection, logger: logger)
            return try await timeline.page(actor.tenantID, contact: contactID, after: cursor, limit: limit, on: connection, logger: logger)
        }
    }
}
