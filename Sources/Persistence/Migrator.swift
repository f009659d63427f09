import Foundation
import Logging
import PostgresNIO

/// Applies the numbered SQL files of `migrations/` and guards their history.
///
/// Applied files are recorded with their checksums in `schema_migrations`. All
/// pending files run in one transaction under an advisory lock, so two nodes
/// starting together cannot both migrate, and a failure leaves nothing applied.
public struct Migrator: Sendable {
    public let files: [MigrationFile]

    /// The advisory lock key that serialises migrators (an arbitrary constant).
    private static let lockKey: Int64 = 0x5357_4254_4d49_4752

    public init(files: [MigrationFile]) {
        self.files = files
    }

    /// Loads files from `SWITCHBOARD_MIGRATIONS_DIR`, or `./migrations`.
    public init(directory: String? = nil) throws {
        let path = directory ?? Self.defaultDirectory()
        self.init(files: try MigrationFile.load(from: path))
    }

    public static func defaultDirectory() -> String {
        ProcessInfo.processInfo.environment["SWITCHBOARD_MIGRATIONS_DIR"] ?? "migrations"
    }

    /// The files not yet applied; throws when the applied history does not match the files.
    public func pending(on database: Database, logger: Logger) async throws -> [MigrationFile] {
        try await database.withUnscopedConnection(logger: logger) { connection in
            try await pending(on: connection, logger: logger)
        }
    }

    /// Applies every pending file in one transaction and returns what it applied.
    @discardableResult
    public func migrate(on database: Database, logger: Logger) async throws -> [MigrationFile] {
        try await database.withUnscopedConnection(logger: logger) { connection in
            try await applyPending(on: connection, logger: logger)
        }
    }

    private func applyPending(on connection: PooledConnection, logger: Logger) async throws -> [MigrationFile] {
        try await connection.inTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            try await createHistoryTable(on: connection, logger: logger)
            let pending = try await pending(on: connection, logger: logger)
            for file in pending {
                logger.info("applying migration", metadata: ["migration": "\(file.name)"])
                for statement in file.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    """
                    INSERT INTO schema_migrations (version, name, checksum)
                    VALUES (\(file.version), \(file.name), \(file.checksum))
                    """,
                    logger: logger
                )
            }
            return pending
        }
    }

    private func createHistoryTable(on connection: PooledConnection, logger: Logger) async throws {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
    }

    private func pending(on connection: PooledConnection, logger: Logger) async throws -> [MigrationFile] {
        let exists = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
        var hasHistory = false
        for try await flag in exists.decode(Bool.self) { hasHistory = flag }
        guard hasHistory else { return files }

        let rows = try await connection.query(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
            logger: logger
        )
        var applied: [(version: Int, name: String, checksum: String)] = []
        for try await row in rows {
            var columns = row.makeIterator()
            let (version, name, checksum) = (try columns.column(Int.self), try columns.column(String.self), try columns.column(String.self))
            applied.append((version, name, checksum))
        }
        return try Self.pendingFiles(files, applied: applied)
    }

    /// Checks the applied history against the files and returns the unapplied ones.
    static func pendingFiles(
        _ files: [MigrationFile],
        applied: [(version: Int, name: String, checksum: String)]
    ) throws -> [MigrationFile] {
        let byVersion = Dictionary(uniqueKeysWithValues: files.map { ($0.version, $0) })
        for record in applied {
            guard let file = byVersion[record.version] else {
                throw PersistenceError.migrationHistoryDiverged(
                    "migration \(record.version) (\(record.name)) is applied but its file is missing"
                )
            }
            guard file.name == record.name, file.checksum == record.checksum else {
                throw PersistenceError.migrationChanged(version: record.version, name: record.name)
            }
        }
        let appliedVersions = Set(applied.map(\.version))
        let highestApplied = applied.map(\.version).max() ?? 0
        let pending = files.filter { !appliedVersions.contains($0.version) }
        if let stray = pending.first(where: { $0.version < highestApplied }) {
            throw PersistenceError.migrationHistoryDiverged(
                "\(stray.name) is numbered below the already applied migration \(highestApplied)"
            )
        }
        return pending
    }
}
