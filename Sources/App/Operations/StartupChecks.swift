import Logging
import Persistence

/// Refuses to serve on a database where tenant isolation would not hold.
struct StartupChecks: Sendable {
    let config: AppConfig
    let database: Database
    let migrator: Migrator
    let logger: Logger

    struct UnsafeDatabaseRole: Error, CustomStringConvertible {
        let role: String
        var description: String {
            "database role \(role) is a superuser or has BYPASSRLS, so row-level security would not isolate tenants; "
                + "connect as an ordinary role (or set SWITCHBOARD_ALLOW_RLS_BYPASS=true to override, never in production)"
        }
    }

    func run() async throws {
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
