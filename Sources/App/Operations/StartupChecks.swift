import Logging
import Persistence

/// Refuses to serve on a database where tenant isolation would not hold.
///
/// Runs on its own short-lived pool before the server's services start: a failure
/// then ends the process at once, instead of cancelling services that may be
/// waiting for a pooled connection (PostgresClient leaves such a wait pending
/// when its `run()` is cancelled, which hung the process).
public struct StartupChecks: Sendable {
    let config: AppConfig
    let logger: Logger

    public init(config: AppConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    struct UnsafeDatabaseRole: Error, CustomStringConvertible {
        let role: String
        var description: String {
            "database role \(role) is a superuser or has BYPASSRLS, so row-level security would not isolate tenants; "
                + "connect as an ordinary role (or set SWITCHBOARD_ALLOW_RLS_BYPASS=true to override, never in production)"
        }
    }

    public func run() async throws {
        let migrator = try Migrator()
        try await Database.withPool(url: config.databaseURL, logger: logger) { database in
            try await check(on: database, migrator: migrator)
        }
    }

    private func check(on database: Database, migrator: Migrator) async throws {
        let role = try await DatabaseRole.current(on: database, logger: logger)
        if role.canBypassRowLevelSecurity {
            guard config.allowRowLevelSecurityBypass else { throw UnsafeDatabaseRole(role: role.name) }
            logger.critical(
                "SWITCHBOARD_ALLOW_RLS_BYPASS is set: the database role bypasses row-level security and tenant isolation rests on query filters alone",
                metadata: ["role": "\(role.name)"]
            )
        }
        let pending = try await migrator.pending(on: database, logger: logger)
        if !pending.isEmpty {
            logger.warning(
                "migrations are pending; /health/ready answers 503 until `switchboard migrate` runs",
                metadata: ["pending": "\(pending.map(\.name).joined(separator: ","))"]
            )
        }
    }
}
