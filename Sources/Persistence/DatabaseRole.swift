import Logging
import PostgresNIO

/// What the connected database role may do that matters for tenant isolation.
public struct DatabaseRole: Sendable {
    public let name: String
    public let isSuperuser: Bool
    public let bypassesRowLevelSecurity: Bool

    /// True when row-level security would not apply to this role.
    public var canBypassRowLevelSecurity: Bool { isSuperuser || bypassesRowLevelSecurity }

    /// Reads the current role's attributes.
    public static func current(on database: Database, logger: Logger) async throws -> DatabaseRole {
        try await database.withUnscopedConnection(logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
                logger: logger
            )
            for try await row in rows {
                var columns = row.makeIterator()
                let (name, isSuperuser, bypasses) = (
                    try columns.column(String.self), try columns.column(Bool.self), try columns.column(Bool.self)
                )
                return DatabaseRole(name: name, isSuperuser: isSuperuser, bypassesRowLevelSecurity: bypasses)
            }
            throw PersistenceError.roleNotFound
        }
    }
}
