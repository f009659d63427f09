import Accounts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Reads and changes presence inside tenant transactions, announcing every change of
/// what staff see (status or reachability) as `presence.changed` to the tenant's staff.
public struct PresenceStore: Sendable {
    let database: Database
    /// A node whose heartbeat is older than this is dead: its connections do not count.
    let nodeTimeout: Duration
    let outbox = EventOutbox()

    public init(database: Database, nodeTimeout: Duration) {
        self.database = database
        self.nodeTimeout = nodeTimeout
    }

    public var timeoutSeconds: Double { Double(nodeTimeout.components.seconds) }

    /// Records one more connection of a staff user on `nodeID`.
    public func connected(tenantID: UUID, userID: UUID, nodeID: UUID, logger: Logger) async throws {
        try await database.withTenant(tenantID, logger: logger) { connection in
            let before = try await lockedPresence(tenantID, userID, on: connection, logger: logger)
            try await connection.write(
                Self.countConnectionQuery(tenantID, userID, nodeID), preparedAs: CountConnection.self, logger: logger)
            if !before.connected {
                try await announce(tenantID, userID, status: before.status, connected: true, on: connection, logger: logger)
            }
        }
    }

    /// Records that a staff user closed one connection on `nodeID`.
    public func disconnected(tenantID: UUID, userID: UUID, nodeID: UUID, logger: Logger) async throws {
        try await database.withTenant(tenantID, logger: logger) { connection in
            _ = try await lockedPresence(tenantID, userID, on: connection, logger: logger)
            try await connection.write(
                Self.uncountConnectionQuery(tenantID, userID, nodeID), preparedAs: UncountConnection.self, logger: logger)
            let after = try await lockedPresence(tenantID, userID, on: connection, logger: logger)
            if !after.connected {
                try await announce(tenantID, userID, status: after.status, connected: false, on: connection, logger: logger)
            }
        }
    }

    /// Sets a staff user's chosen status; returns their presence afterwards.
    public func setStatus(
        _ status: PresenceStatus, tenantID: UUID, userID: UUID, logger: Logger
    ) async throws -> PresenceEntry? {
        try await database.withTenant(tenantID, logger: logger) { connection in
            let before = try await lockedPresence(tenantID, userID, on: connection, logger: logger)
            if before.status != status {
                try await connection.query(
                    """
                    UPDATE presence SET status = \(status.rawValue), updated_at = now()
                    WHERE tenant_id = \(tenantID) AND user_id = \(userID)
                    """,
                    logger: logger
                )
                try await announce(tenantID, userID, status: status, connected: before.connected, on: connection, logger: logger)
            }
            return try await entries(tenantID, userID: userID, on: connection, logger: logger).first
        }
    }

    /// Every staff member of the tenant with their presence, reachable ones first.
    public func list(tenantID: UUID, logger: Logger) async throws -> [PresenceEntry] {
        try await database.withTenant(tenantID, logger: logger) { connection in
            try await entries(tenantID, userID: nil, on: connection, logger: logger)
        }
    }

    func entries(_ tenantID: UUID, userID: UUID?, on connection: PooledConnection, logger: Logger) async throws -> [PresenceEntry] {
        let rows = try await connection.query(
            """
            SELECT u.id, u.name, u.role, coalesce(p.status, 'available'), coalesce(p.updated_at, u.created_at),
                   EXISTS (
                       SELECT 1 FROM live_connections lc JOIN nodes n ON n.id = lc.node_id
                       WHERE lc.tenant_id = u.tenant_id AND lc.user_id = u.id
                         AND n.heartbeat_at > now() - make_interval(secs => \(timeoutSeconds))
                   )
            FROM users u
            LEFT JOIN presence p ON p.tenant_id = u.tenant_id AND p.user_id = u.id
            WHERE u.tenant_id = \(tenantID) AND u.role <> 'customer' AND u.status = 'active'
              AND (\(userID)::uuid IS NULL OR u.id = \(userID))
            ORDER BY u.name, u.id
            """,
            logger: logger
        )
        var entries: [PresenceEntry] = []
        for try await row in rows {
            var columns = row.makeIterator()
            let (id, name, role, statusText, updatedAt, connected) = (
                try columns.column(UUID.self), try columns.column(String.self), try columns.column(String.self),
                try columns.column(String.self), try columns.column(Date.self), try columns.column(Bool.self)
            )
            let status = PresenceStatus(rawValue: statusText) ?? .available
            entries.append(
                PresenceEntry(
                    userId: id, name: name, role: Role(rawValue: role) ?? .agent, status: status,
                    reachable: connected && status != .offline, updatedAt: updatedAt
                )
            )
        }
        return entries.sorted { $0.reachable && !$1.reachable }
    }

    /// The user's status and whether a live node holds a connection of theirs, with
    /// the presence row locked so concurrent connects and disconnects of one user
    /// (on any node) announce each change once.
    func lockedPresence(
        _ tenantID: UUID, _ userID: UUID, on connection: PooledConnection, logger: Logger
    ) async throws -> (status: PresenceStatus, connected: Bool) {
        try await connection.write(Self.ensureRowQuery(tenantID, userID), preparedAs: EnsureRow.self, logger: logger)
        let rows = try await connection.query(
            Self.lockedQuery(tenantID, userID, nodeTimeoutSeconds: timeoutSeconds), preparedAs: Locked.self, logger: logger)
        for try await row in rows {
            var columns = row.makeIterator()
            let (status, connected) = (try columns.column(String.self), try columns.column(Bool.self))
            return (PresenceStatus(rawValue: status) ?? .available, connected)
        }
        return (.available, false)
    }

    /// Every connect and disconnect of a staff user, and both ends of an accepted call
    /// for each staff party, lock the user's presence: prepared, the lock's read is
    /// planned once per connection (0.7-0.8 ms of planning a run unprepared, in
    /// `BENCH_PG_STATEMENTS=1 ops/bench calls` as agents connect).
    enum EnsureRow: PreparedSQL { static let sql = PresenceStore.ensureRowQuery(UUID(), UUID()).sql }
    enum Locked: PreparedSQL { static let sql = PresenceStore.lockedQuery(UUID(), UUID(), nodeTimeoutSeconds: 0).sql }

    /// A connection's count on its node, kept with the connect and disconnect above.
    enum CountConnection: PreparedSQL { static let sql = PresenceStore.countConnectionQuery(UUID(), UUID(), UUID()).sql }
    enum UncountConnection: PreparedSQL { static let sql = PresenceStore.uncountConnectionQuery(UUID(), UUID(), UUID()).sql }

    static func countConnectionQuery(_ tenantID: UUID, _ userID: UUID, _ nodeID: UUID) -> PostgresQuery {
        """
        INSERT INTO live_connections (node_id, tenant_id, user_id, connections) VALUES (\(nodeID), \(tenantID), \(userID), 1)
        ON CONFLICT (node_id, tenant_id, user_id) DO UPDATE SET connections = live_connections.connections + 1
        """
    }

    static func uncountConnectionQuery(_ tenantID: UUID, _ userID: UUID, _ nodeID: UUID) -> PostgresQuery {
        """
        WITH lowered AS (
            UPDATE live_connections SET connections = connections - 1
            WHERE node_id = \(nodeID) AND tenant_id = \(tenantID) AND user_id = \(userID) AND connections > 1
            RETURNING 1
        )
        DELETE FROM live_connections
        WHERE node_id = \(nodeID) AND tenant_id = \(tenantID) AND user_id = \(userID) AND NOT EXISTS (SELECT 1 FROM lowered)
        """
    }

    static func ensureRowQuery(_ tenantID: UUID, _ userID: UUID) -> PostgresQuery {
        "INSERT INTO presence (tenant_id, user_id) VALUES (\(tenantID), \(userID)) ON CONFLICT DO NOTHING"
    }

    static func lockedQuery(_ tenantID: UUID, _ userID: UUID, nodeTimeoutSeconds: Double) -> PostgresQuery {
        """
        SELECT p.status, EXISTS (
            SELECT 1 FROM live_connections lc JOIN nodes n ON n.id = lc.node_id
            WHERE lc.tenant_id = p.tenant_id AND lc.user_id = p.user_id
              AND n.heartbeat_at > now() - make_interval(secs => \(nodeTimeoutSeconds))
        )
        FROM presence p WHERE p.tenant_id = \(tenantID) AND p.user_id = \(userID)
        FOR UPDATE OF p
        """
    }

    func announce(
        _ tenantID: UUID, _ userID: UUID, status: PresenceStatus, connected: Bool,
        on connection: PooledConnection, logger: Logger
    ) async throws {
        try await outbox.emit(
            tenantID, type: "presence.changed", audience: .staff,
            payload: PresenceChanged(userId: userID, status: status, reachable: connected && status != .offline),
            on: connection, logger: logger
        )
    }
}
