import Foundation
import Logging
import Persistence
import PostgresNIO

/// Agents on a call are `busy` automatically; the status they had comes back when
/// the call ends, or after the tenant's wrap-up time (applied by the call deadline
/// sweeper through `restoreDue`).
extension PresenceStore {
    /// Marks a staff user busy for a call, remembering their status.
    public func markBusyForCall(_ tenantID: UUID, _ userID: UUID, on connection: PooledConnection, logger: Logger) async throws {
        let current = try await lockedPresence(tenantID, userID, on: connection, logger: logger)
        try await connection.query(
            """
            UPDATE presence SET status_before_call = coalesce(status_before_call, status), status = 'busy',
                   restore_at = NULL, updated_at = now()
            WHERE tenant_id = \(tenantID) AND user_id = \(userID)
            """,
            logger: logger
        )
        if current.status != .busy {
            try await announce(tenantID, userID, status: .busy, connected: current.connected, on: connection, logger: logger)
        }
    }

    /// After a call: the remembered status returns now, or `wrapUpSeconds` later.
    public func releaseAfterCall(
        _ tenantID: UUID, _ userID: UUID, wrapUpSeconds: Int, on connection: PooledConnection, logger: Logger
    ) async throws {
        if wrapUpSeconds > 0 {
            try await connection.query(
                """
                UPDATE presence SET restore_at = now() + make_interval(secs => \(Double(wrapUpSeconds)))
                WHERE tenant_id = \(tenantID) AND user_id = \(userID) AND status_before_call IS NOT NULL
                """,
                logger: logger
            )
        } else {
            try await restore(tenantID, userID, on: connection, logger: logger)
        }
    }

    /// Restores every user whose wrap-up is over; run in a cross-tenant transaction.
    public func restoreDue(on connection: PooledConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            "SELECT tenant_id, user_id FROM presence WHERE restore_at <= now() FOR UPDATE SKIP LOCKED", logger: logger
        )
        var due: [(UUID, UUID)] = []
        for try await row in rows {
            var columns = row.makeIterator()
            let pair = (try columns.column(UUID.self), try columns.column(UUID.self))
            due.append(pair)
        }
        for (tenantID, userID) in due {
            try await restore(tenantID, userID, on: connection, logger: logger)
        }
    }

    /// Puts back the status from before the call, unless the user chose another
    /// status meanwhile (then only the memory is cleared).
    func restore(_ tenantID: UUID, _ userID: UUID, on connection: PooledConnection, logger: Logger) async throws {
        let current = try await lockedPresence(tenantID, userID, on: connection, logger: logger)
        let rows = try await connection.query(
            """
            UPDATE presence SET status = CASE WHEN status = 'busy' THEN status_before_call ELSE status END,
                   status_before_call = NULL, restore_at = NULL, updated_at = now()
            WHERE tenant_id = \(tenantID) AND user_id = \(userID) AND status_before_call IS NOT NULL
            RETURNING status
            """,
            logger: logger
        )
        for try await status in rows.decode(String.self) {
            if let restored = PresenceStatus(rawValue: status), restored != current.status {
                try await announce(tenantID, userID, status: restored, connected: current.connected, on: connection, logger: logger)
            }
        }
    }
}
