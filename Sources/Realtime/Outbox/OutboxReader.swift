import Accounts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Reads committed events in delivery order, never skipping one.
///
/// Positions are compared and sorted as `xid8` in SQL; the text form is only for
/// decoding (sorting by it would put "10000" before "9999").
///
/// Only rows whose transaction id is below the oldest running transaction are read
/// (see migrations/0004): those transactions have all finished, and any later one
/// gets a larger id, so nothing can appear behind a position already read. The cost
/// is that a long-running transaction anywhere on the server holds delivery back
/// until it ends.
public struct OutboxReader: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Up to `limit` committed events after `position`, across tenants (this is the
    /// fan-out path: each event is then delivered only inside its own tenant).
    public func events(after position: EventPosition, limit: Int, logger: Logger) async throws -> [OutboxEvent] {
        try await database.withCrossTenantAccess(.eventFanOut, logger: logger) { connection in
            try await Self.events(after: position, tenantID: nil, limit: limit, on: connection, logger: logger)
        }
    }

    /// One tenant's committed events after `position`, for a client's replay.
    public func events(
        _ tenantID: UUID, after position: EventPosition, limit: Int, logger: Logger
    ) async throws -> [OutboxEvent] {
        try await database.withTenant(tenantID, logger: logger) { connection in
            try await Self.events(after: position, tenantID: tenantID, limit: limit, on: connection, logger: logger)
        }
    }

    /// The position of the newest event below the horizon (`.start` when none).
    public func newestPosition(logger: Logger) async throws -> EventPosition {
        try await database.withCrossTenantAccess(.eventFanOut, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT txid::text AS txid_text, id FROM events
                WHERE txid < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY events.txid DESC, events.id DESC LIMIT 1
                """,
                logger: logger
            )
            for try await row in rows {
                var columns = row.makeIterator()
                let (txid, id) = (try columns.column(String.self), try columns.column(Int64.self))
                return EventPosition(transactionID: UInt64(txid) ?? 0, eventID: id)
            }
            return .start
        }
    }

    /// The newest of one tenant's events at or before `horizon` (`.start` when it has
    /// none): the id a `resync` hands that tenant's client, one its replay knows.
    public func newestPosition(
        _ tenantID: UUID, atOrBefore horizon: EventPosition, logger: Logger
    ) async throws -> EventPosition {
        try await database.withTenant(tenantID, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT txid::text AS txid_text, id FROM events
                WHERE tenant_id = \(tenantID)
                  AND (txid, id) <= (\(String(horizon.transactionID))::xid8, \(horizon.eventID))
                ORDER BY events.txid DESC, events.id DESC LIMIT 1
                """,
                logger: logger
            )
            for try await row in rows {
                var columns = row.makeIterator()
                let (txid, id) = (try columns.column(String.self), try columns.column(Int64.self))
                return EventPosition(transactionID: UInt64(txid) ?? 0, eventID: id)
            }
            return .start
        }
    }

    /// What a resuming client missed: `user`'s events after `position`, in order,
    /// up to `limit`. `retained` is false when `position` names no event the table
    /// still holds for this tenant (pruned by retention, or never ours): the client
    /// then gets a `resync` instead of a replay. `.start` ("0-0", what a `resync` hands
    /// a tenant without events) always counts as retained: it asks for everything the
    /// table still holds.
    public func replay(
        _ tenantID: UUID, userID: UUID, role: Role, after position: EventPosition, limit: Int, logger: Logger
    ) async throws -> (events: [OutboxEvent], retained: Bool) {
        try await database.withTenant(tenantID, logger: logger) { connection in
            let check = try await connection.query(
                """
                SELECT EXISTS (
                    SELECT 1 FROM events WHERE tenant_id = \(tenantID)
                      AND txid = \(String(position.transactionID))::xid8 AND id = \(position.eventID))
                """,
                logger: logger
            )
            var retained = position == .start
            for try await exists in check.decode(Bool.self) { retained = retained || exists }
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns)
                FROM events
                WHERE tenant_id = \(tenantID)
                  AND (txid, id) > (\(String(position.transactionID))::xid8, \(position.eventID))
                  AND txid < pg_snapshot_xmin(pg_current_snapshot())
                  AND (\(userID) = ANY (audience_user_ids) OR \(role.rawValue) = ANY (audience_roles))
                ORDER BY events.txid, events.id
                LIMIT \(limit)
                """,
                logger: logger
            )
            return (try await Self.decode(rows), retained)
        }
    }

    static func events(
        after position: EventPosition, tenantID: UUID?, limit: Int,
        on connection: PooledConnection, logger: Logger
    ) async throws -> [OutboxEvent] {
        guard let tenantID else {
            let query = fanOutQuery(after: position, limit: limit)
            return try await decode(try await connection.query(query, preparedAs: FanOutRead.self, logger: logger))
        }
        let rows = try await connection.query(
            """
            SELECT \(unescaped: columns)
            FROM events
            WHERE tenant_id = \(tenantID)
              AND (txid, id) > (\(String(position.transactionID))::xid8, \(position.eventID))
              AND txid < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY events.txid, events.id
            LIMIT \(limit)
            """,
            logger: logger
        )
        return try await decode(rows)
    }

    static let columns = "txid::text AS txid_text, id, tenant_id, type, audience_user_ids, audience_roles, payload::text, occurred_at"

    /// Every node runs this for every batch of events it fans out: prepared, it is
    /// planned once per connection instead of on every run (0.2 ms of planning each
    /// in `BENCH_PG_STATEMENTS=1 ops/bench whatsapp`). One tenant's reads stay
    /// unprepared: a plan made for every tenant would not be the right one for one.
    enum FanOutRead: PreparedSQL {
        static let sql = OutboxReader.fanOutQuery(after: .start, limit: 1).sql
        // The position's transaction id is text cast in SQL: its bind stays text.
        static let types: [PostgresDataType] = [.text, .int8, .int8]
    }

    static func fanOutQuery(after position: EventPosition, limit: Int) -> PostgresQuery {
        """
        SELECT \(unescaped: columns)
        FROM events
        WHERE (txid, id) > (\(String(position.transactionID))::xid8, \(position.eventID))
          AND txid < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY events.txid, events.id
        LIMIT \(limit)
        """
    }

    static func decode(_ rows: some AsyncSequence<PostgresRow, any Error>) async throws -> [OutboxEvent] {
        var events: [OutboxEvent] = []
        for try await row in rows {
            var columns = row.makeIterator()
            let (txid, id, tenant, type, userIDs, roles, payload, occurredAt) = (
                try columns.column(String.self), try columns.column(Int64.self), try columns.column(UUID.self),
                try columns.column(String.self), try columns.column([UUID].self), try columns.column([String].self),
                try columns.column(String.self), try columns.column(Date.self)
            )
            events.append(
                OutboxEvent(
                    position: EventPosition(transactionID: UInt64(txid) ?? 0, eventID: id),
                    tenantID: tenant, type: type,
                    audience: EventAudience(userIDs: userIDs, roles: roles.compactMap(Role.init(rawValue:))),
                    payload: payload, occurredAt: occurredAt
                )
            )
        }
        return events
    }
}
