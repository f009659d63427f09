import Foundation
import Logging
import Persistence
import PostgresNIO

/// One change applied to many contacts at once (`POST /v1/contacts/bulk`).
public enum ContactBulkAction: Sendable, Equatable {
    case setStage(ContactStage)
    case setTemperature(ContactTemperature?)
    case addTag(String)
    case removeTag(String)
    /// A new owner, or nil to unassign.
    case assign(UUID?)
    case delete

    public static let maximumContacts = 1_000
}

extension ContactService {
    /// Applies `action` to every contact in `ids`, all or nothing: if any id names no
    /// contact this actor can see, nothing changes. Returns how many changed.
    public func bulk(_ action: ContactBulkAction, ids: [UUID], by actor: ContactActor, logger: Logger) async throws -> Int {
        let ids = Array(Set(ids))
        return try await database.withTenantSettings(actor.tenantID, logger: logger) { connection, settings in
            let visibleOwner = actor.visibleOwner(settings.contacts)
            let rows = try await connection.query(
                """
                SELECT id, name, phone, stage, owner_id FROM contacts
                WHERE tenant_id = \(actor.tenantID) AND id = ANY (\(ids)) AND deleted_at IS NULL
                  AND (\(visibleOwner)::uuid IS NULL OR owner_id = \(visibleOwner))
                ORDER BY id FOR UPDATE
                """,
                logger: logger
            )
            var found: [(id: UUID, name: String, phone: String?, stage: String, owner: UUID?)] = []
            for try await row in rows {
                var columns = row.makeIterator()
                found.append(
                    (
                        try columns.column(UUID.self), try columns.column(String.self), try columns.column(String?.self),
                        try columns.column(String.self), try columns.column(UUID?.self)
                    ))
            }
            let missing = Set(ids).subtracting(found.map(\.id))
            guard missing.isEmpty else { throw ContactError.unknownContacts(missing.sorted { $0.sortsBefore($1) }) }

            switch action {
            case .setStage(let stage):
                try await set("stage = \(stage.rawValue)", ids: ids, actor: actor, on: connection, logger: logger)
                for contact in found where contact.stage != stage.rawValue {
                    try await timeline.record(
                        actor.tenantID, contact: contact.id, kind: .stageChanged, actor: actor.userID,
                        data: ["from": contact.stage, "to": stage.rawValue], on: connection, logger: logger)
                }
            case .setTemperature(let temperature):
                try await set("temperature = \(temperature?.rawValue)", ids: ids, actor: actor, on: connection, logger: logger)
            case .addTag(let tag):
                try await tags.ensure(actor.tenantID, [tag], on: connection, logger: logger)
                try await set(
                    "tags = CASE WHEN tags @> ARRAY[\(tag)]::text[] THEN tags ELSE array_append(tags, \(tag)) END", ids: ids, actor: actor,
                    on: connection, logger: logger)
            case .removeTag(let tag):
                try await set("tags = array_remove(tags, \(tag))", ids: ids, actor: actor, on: connection, logger: logger)
            case .assign(let owner):
                do {
                    try await validateReferences(actor.tenantID, owner: owner, customer: nil, on: connection, logger: logger)
                } catch ContactError.invalid(_, let reason) {
                    throw ContactError.invalid(pointer: "/value", reason: reason)
                }
                try await set("owner_id = \(owner)", ids: ids, actor: actor, on: connection, logger: logger)
                let moved = found.filter { $0.owner != owner }
                for contact in moved {
                    try await timeline.record(
                        actor.tenantID, contact: contact.id, kind: .ownerChanged, actor: actor.userID,
                        data: ["from": contact.owner?.uuidString, "to": owner?.uuidString], on: connection, logger: logger)
                }
                if let owner {
                    try await assignment.announce(
                        actor.tenantID, contacts: moved.map { ($0.id, $0.name, $0.phone, owner) }, by: actor.userID,
                        on: connection, logger: logger)
                }
            case .delete:
                try await set("deleted_at = now()", ids: ids, actor: actor, on: connection, logger: logger)
                try await timeline.recordMany(
                    actor.tenantID, contacts: ids, kind: .deleted, actor: actor.userID, data: "{}", on: connection, logger: logger)
            }
            return ids.count
        }
    }

    /// `UPDATE contacts SET <assignment>, updated_at = now()` for `ids`.
    private func set(
        _ assignment: PostgresQuery, ids: [UUID], actor: ContactActor, on connection: PooledConnection, logger: Logger
    ) async throws {
        var query = assignment
        let first = query.binds.count + 1
        query.binds.append(actor.tenantID)
        query.binds.append(ids)
        query.sql = "UPDATE contacts SET \(query.sql), updated_at = now() WHERE tenant_id = $\(first) AND id = ANY ($\(first + 1))"
        try await connection.query(query, logger: logger)
    }
}
