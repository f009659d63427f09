/// Failures of the persistence layer that callers can act on.
public enum PersistenceError: Error, CustomStringConvertible, Sendable {
    case roleNotFound
    case migrationsDirectoryMissing(String)
    case malformedMigrationName(String)
    case duplicateMigrationVersion(Int)
    case migrationChanged(version: Int, name: String)
    case migrationHistoryDiverged(String)

    public var description: String {
        switch self {
        case .roleNotFound:
            "the connected database role was not found in pg_roles"
        case .migrationsDirectoryMissing(let path):
            "migrations directory not found: \(path) (set SWITCHBOARD_MIGRATIONS_DIR)"
        case .malformedMigrationName(let name):
            "migration file name must look like 0001_what_it_does.sql: \(name)"
        case .duplicateMigrationVersion(let version):
            "two migration files share the number \(version)"
        case .migrationChanged(let version, let name):
            "migration \(version) (\(name)) was changed after it was applied; add a new migration instead"
        case .migrationHistoryDiverged(let detail):
            "the database's migration history does not match the migration files: \(detail)"
        }
    }
}
