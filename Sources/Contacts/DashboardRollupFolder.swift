import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle

/// Folds the dashboard rollups' pending rows into their running totals, once a
/// second, on every node (one at a time: the others skip that round).
///
/// Triggers only ever append signed pending rows (migrations/0013), so writers
/// never wait on a shared counter; the dashboard sums pending and folded rows
/// alike, so folding changes no figure, it only keeps the rows to read few.
public struct DashboardRollupFolder: Service {
    let database: Database
    let interval: Duration
    let logger: Logger

    public init(database: Database, interval: Duration = .seconds(1), logger: Logger) {
        self.database = database
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await repeatEvery(interval, logger: logger, failure: "folding dashboard rollups failed") { try await fold() }
    }

    /// Folds up to `limit` pending rows of each rollup; false when another node was folding.
    @discardableResult
    public func fold(limit: Int = 50_000) async throws -> Bool {
        try await database.withCrossTenantAccess(.dashboardRollups, logger: logger) { connection in
            // Two folders upserting the same totals in different orders could deadlock.
            let turn = try await connection.query("SELECT pg_try_advisory_xact_lock(hashtext('dashboard-rollups'))", logger: logger)
            var mine = false
            for try await taken in turn.decode(Bool.self) { mine = taken }
            guard mine else { return false }
            try await connection.query(
                """
                WITH taken AS (
                    DELETE FROM contact_rollups WHERE ctid = ANY (ARRAY(SELECT ctid FROM contact_rollups WHERE pending LIMIT \(limit)))
                    RETURNING tenant_id, owner_id, dimension, key, day, contacts)
                INSERT INTO contact_rollups AS r (tenant_id, owner_id, dimension, key, day, contacts, pending)
                SELECT tenant_id, owner_id, dimension, key, day, sum(contacts), false FROM taken
                GROUP BY tenant_id, owner_id, dimension, key, day
                ORDER BY tenant_id, dimension, owner_id, key, day
                ON CONFLICT (tenant_id, dimension, owner_id, key, day) WHERE NOT pending
                DO UPDATE SET contacts = r.contacts + excluded.contacts
                """,
                logger: logger)
            try await connection.query(
                """
                WITH taken AS (
                    DELETE FROM call_rollups WHERE ctid = ANY (ARRAY(SELECT ctid FROM call_rollups WHERE pending LIMIT \(limit)))
                    RETURNING tenant_id, user_id, day, calls, answered, missed, timed, seconds)
                INSERT INTO call_rollups AS r (tenant_id, user_id, day, calls, answered, missed, timed, seconds, pending)
                SELECT tenant_id, user_id, day, sum(calls), sum(answered), sum(missed), sum(timed), sum(seconds), false FROM taken
                GROUP BY tenant_id, user_id, day
                ORDER BY tenant_id, user_id, day
                ON CONFLICT (tenant_id, user_id, day) WHERE NOT pending
                DO UPDATE SET calls = r.calls + excluded.calls, answered = r.answered + excluded.answered,
                              missed = r.missed + excluded.missed, timed = r.timed + excluded.timed, seconds = r.seconds + excluded.seconds
                """,
                logger: logger)
            return true
        }
    }
}
