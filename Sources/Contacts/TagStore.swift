import Foundation
import Logging
import Persistence
import PostgresNIO

/// The tenant's tag catalogue.
struct TagStore: Sendable {
    /// Adds any of `names` the catalogue lacks.
    func ensure(_ tenantID: UUID, _ names: [String], on connection: PooledConnection, logger: Logger) async throws {
        guard !names.isEmpty else { return }
        try await connection.query(
            "INSERT INTO tags (tenant_id, name) SELECT \(tenantID), unnest(\(names)::text[]) ON CONFLICT DO NOTHING", logger: logger)
    }

    func list(_ tenantID: UUID, on connection: PooledConnection, logger: Logger) async throws -> [Tag] {
        let rows = try await connection.query(
            """
            SELECT t.name, t.color, t.created_at,
                   (SELECT count(*) FROM contacts c WHERE c.tenant_id = t.tenant_id AND c.deleted_at IS NULL AND c.tags @> ARRAY[t.name])
            FROM tags t WHERE t.tenant_id = \(tenantID) ORDER BY t.name
            """,
            logger: logger
        )
        var tags: [Tag] = []
        for try await row in rows {
            var columns = row.makeIterator()
            let (name, color, createdAt, count) = (
                try columns.column(String.self), try columns.column(String?.self), try columns.column(Date.self),
                try columns.column(Int.self)
            )
            tags.append(Tag(name: name, color: color, createdAt: createdAt, contactCount: count))
        }
        return tags
    }

    /// Creates the tag or, when it exists, sets its colour; returns whether it was new.
    func upsert(_ tenantID: UUID, name: String, color: String?, on connection: PooledConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO tags AS t (tenant_id, name, color) VALUES (\(tenantID), \(name), \(color))
            ON CONFLICT (tenant_id, name) DO UPDATE SET color = coalesce(excluded.color, t.color)
            RETURNING (xmax = 0)
            """,
            logger: logger
        )
        for try await created in rows.decode(Bool.self) { return created }
        return false
    }

    /// Removes the tag from the catalogue and from every contact; false if there was no such tag.
    func delete(_ tenantID: UUID, name: String, on connection: PooledConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "DELETE FROM tags WHERE tenant_id = \(tenantID) AND name = \(name) RETURNING 1", logger: logger)
        var found = false
        for try await _ in rows { found = true }
        guard found else { return false }
        try await connection.query(
            """
            UPDATE contacts SET tags = array_remove(tags, \(name)), updated_at = now()
            WHERE tenant_id = \(tenantID) AND tags @> ARRAY[\(name)]::text[]
            """,
            logger: logger
        )
        return true
    }
}

/// A tag of the tenant's catalogue and how many live contacts carry it.
public struct Tag: Sendable, Equatable {
    public let name: String
    public let color: String?
    public let createdAt: Date
    public let contactCount: Int
}
