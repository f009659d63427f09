import Crypto
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Gives each test its own database, cloned from a migrated template.
///
/// `TEST_DATABASE_URL` names a role that may create databases (ops/test sets it up).
/// The template is named after the migrations' checksums, so it is rebuilt exactly
/// when a migration changes, and reused across runs otherwise.
actor TestDatabases {
    static let shared = TestDatabases()
    private var template: String?
    static let logger = Logger(label: "tests")

    static var adminURL: DatabaseURL {
        get throws {
            guard let raw = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], let url = DatabaseURL(raw) else {
                throw TestSetupError("TEST_DATABASE_URL is not set: run the tests with ops/test")
            }
            return url
        }
    }

    /// A superuser of the test server (`TEST_SUPERUSER_DATABASE_URL`, set by ops/test
    /// and ops/faults), for what the server's roles may not do: watch and end other
    /// sessions, or start a node as a role that bypasses row-level security.
    static var superuserURL: DatabaseURL {
        get throws {
            guard let raw = ProcessInfo.processInfo.environment["TEST_SUPERUSER_DATABASE_URL"], let url = DatabaseURL(raw) else {
                throw TestSetupError("TEST_SUPERUSER_DATABASE_URL is not set: run the tests with ops/test (or ops/faults)")
            }
            return url
        }
    }

    static var migrationsDirectory: String {
        ProcessInfo.processInfo.environment["SWITCHBOARD_MIGRATIONS_DIR"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("migrations").path
    }

    /// A new, migrated, empty database.
    func fresh() async throws -> DatabaseURL {
        let admin = try Self.adminURL
        let template = try await ensureTemplate(admin)
        let name = "sb_test_" + Self.randomSuffix()
        try await Self.execute("CREATE DATABASE \(name) TEMPLATE \(template)", on: admin)
        return admin.with(database: name)
    }

    /// A new database with no migrations applied.
    func empty() async throws -> DatabaseURL {
        let admin = try Self.adminURL
        let name = "sb_empty_" + Self.randomSuffix()
        try await Self.execute("CREATE DATABASE \(name)", on: admin)
        return admin.with(database: name)
    }

    nonisolated func drop(_ url: DatabaseURL) async {
        guard let admin = try? Self.adminURL else { return }
        try? await Self.execute("DROP DATABASE IF EXISTS \(url.database) WITH (FORCE)", on: admin)
    }

    private func ensureTemplate(_ admin: DatabaseURL) async throws -> String {
        if let template { return template }
        let files = try MigrationFile.load(from: Self.migrationsDirectory)
        let digest = SHA256.hash(data: Data(files.map(\.checksum).joined().utf8))
        let name = "sb_tpl_" + digest.prefix(8).map { String(format: "%02x", $0) }.joined()
        let exists = try await Self.scalar("SELECT count(*)::int FROM pg_database WHERE datname = '\(name)'", on: admin)
        if exists == 0 {
            let building = "sb_tpl_build_" + Self.randomSuffix()
            try await Self.execute("CREATE DATABASE \(building)", on: admin)
            _ = try await Database.withPool(url: admin.with(database: building), logger: Self.logger) { database in
                try await Migrator(files: files).migrate(on: database, logger: Self.logger)
            }
            do {
                try await Self.execute("ALTER DATABASE \(building) RENAME TO \(name)", on: admin)
            } catch {
                // Another test process finished the same template first.
                try await Self.execute("DROP DATABASE IF EXISTS \(building) WITH (FORCE)", on: admin)
            }
        }
        template = name
        return name
    }

    static func execute(_ sql: String, on url: DatabaseURL) async throws {
        _ = try await scalar(sql, on: url)
    }

    @discardableResult
    static func scalar(_ sql: String, on url: DatabaseURL) async throws -> Int? {
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable
        )
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        var value: Int?
        for try await row in rows {
            value = try? row.decode(Int.self)
        }
        return value
    }

    static func randomSuffix() -> String {
        (0..<12).map { _ in String("abcdefghijklmnopqrstuvwxyz0123456789".randomElement()!) }.joined()
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
