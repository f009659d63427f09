import Foundation
import Logging
import Persistence
import ServiceLifecycle

/// Deletes outbox events older than the retention window, once a minute, until
/// graceful shutdown. Clients resuming from an older id get a `resync` instead.
public struct EventRetention: Service {
    let database: Database
    let retention: Duration
    let interval: Duration
    let logger: Logger

    public init(database: Database, retention: Duration = .seconds(24 * 3600), interval: Duration = .seconds(60), logger: Logger) {
        self.database = database
        self.retention = retention
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await repeatEvery(interval, logger: logger, failure: "event pruning failed") {
            let deleted = try await prune()
            if deleted > 0 { logger.info("pruned old events", metadata: ["count": "\(deleted)"]) }
        }
    }

    /// Deletes what is past retention now and returns how many rows went.
    @discardableResult
    public func prune(now: Date = Date()) async throws -> Int {
        let cutoff = now.addingTimeInterval(-TimeInterval(retention.components.seconds))
        let logger = self.logger
        return try await database.withCrossTenantAccess(.eventRetention, logger: logger) { connection in
            let rows = try await connection.query(
                "WITH gone AS (DELETE FROM events WHERE occurred_at < \(cutoff) RETURNING 1) SELECT count(*)::int FROM gone",
                logger: logger
            )
            var count = 0
            for try await deleted in rows.decode(Int.self) { count = deleted }
            return count
        }
    }
}
