import Foundation
import Logging
import Persistence
import PostgresNIO
import Realtime

/// Round-robin auto-assignment of new contacts among the tenant's active agents,
/// and the `contact.assigned` event that tells an agent about their new contacts.
struct ContactAssignment: Sendable {
    let outbox = EventOutbox()

    /// Owners for `count` new contacts, in turn from where the last assignment
    /// stopped; empty when the tenant has no active agent.
    func nextOwners(_ tenantID: UUID, count: Int, on connection: PooledConnection, logger: Logger) async throws -> [UUID] {
        guard count > 0 else { return [] }
        var agents: [UUID] = []
        for try await id in try await connection.query(
            "SELECT id FROM users WHERE tenant_id = \(tenantID) AND role = 'agent' AND status = 'active' ORDER BY seq",
            logger: logger
        ).decode(UUID.self) {
            agents.append(id)
        }
        guard !agents.isEmpty else { return [] }
        // The cursor row serialises concurrent assignments in the tenant.
        let rows = try await connection.query(
            """
            INSERT INTO contact_assignment_cursor AS a (tenant_id, next_position) VALUES (\(tenantID), \(count))
            ON CONFLICT (tenant_id) DO UPDATE SET next_position = a.next_position + \(count)
            RETURNING next_position - \(count)
            """,
            logger: logger
        )
        var start = 0
        for try await position in rows.decode(Int.self) { start = position }
        return (0..<count).map { agents[(start + $0) % agents.count] }
    }

    struct Assigned: Encodable {
        struct Summary: Encodable {
            let id: UUID
            let name: String
            let phone: String?
        }
        let count: Int
        /// The first 100 contacts assigned.
        let contacts: [Summary]
        let assignedBy: UUID?
        let importId: UUID?
    }

    /// Tells each new owner which contacts are now theirs (one event per owner).
    func announce(
        _ tenantID: UUID, contacts: [(id: UUID, name: String, phone: String?, owner: UUID)], by actor: UUID?, importID: UUID? = nil,
        on connection: PooledConnection, logger: Logger
    ) async throws {
        let byOwner = Dictionary(grouping: contacts, by: \.owner)
        for (owner, owned) in byOwner.sorted(by: { $0.key.sortsBefore($1.key) }) {
            let payload = Assigned(
                count: owned.count, contacts: owned.prefix(100).map { .init(id: $0.id, name: $0.name, phone: $0.phone) },
                assignedBy: actor, importId: importID
            )
            try await outbox.emit(tenantID, type: "contact.assigned", audience: .user(owner), payload: payload, on: connection, logger: logger)
        }
    }
}
