import Foundation
import Logging
import PostgresNIO
import Testing

@testable import Persistence

@Suite("Migrator: numbered SQL files, checksums, one transaction")
struct MigratorTests {
    static let logger = Logger(label: "migrator-tests")

    static func file(_ name: String, _ sql: String) throws -> MigrationFile {
        try MigrationFile(fileName: name, contents: Data(sql.utf8))
    }

    /// Runs `body` on an empty database that is dropped afterwards.
    static func withEmptyDatabase(_ body: @Sendable (Database) async throws -> Void) async throws {
        let url = try await TestDatabases.shared.empty()
        defer { Task { await TestDatabases.shared.drop(url) } }
        try await Database.withPool(url: url, logger: logger) { database in try await body(database) }
    }

    static func tableExists(_ name: String, on database: Database) async throws -> Bool {
        try await database.withUnscopedConnection(logger: logger) { connection in
            let rows = try await connection.query("SELECT to_regclass(\(name)) IS NOT NULL", logger: logger)
            for try await exists in rows.decode(Bool.self) { return exists }
            return false
        }
    }

    @Test("a fresh database gets every file, and a second run applies nothing")
    func freshAndIdempotent() async throws {
        try await Self.withEmptyDatabase { database in
            let migrator = try Migrator(directory: TestDatabases.migrationsDirectory)
            // act
            let first = try await migrator.migrate(on: database, logger: Self.logger)
            let second = try await migrator.migrate(on: database, logger: Self.logger)
            // check
            #expect(first.map(\.version) == migrator.files.map(\.version))
            #expect(second.isEmpty)
            #expect(try await migrator.pending(on: database, logger: Self.logger).isEmpty)
            #expect(try await Self.tableExists("users", on: database))
        }
    }

    @Test("only new files are applied on top of an existing history")
    func appliesOnlyNewFiles() async throws {
        try await Self.withEmptyDatabase { database in
            let one = try Self.file("0001_one.sql", "CREATE TABLE one (id int);")
            let two = try Self.file("0002_two.sql", "CREATE TABLE two (id int);")
            try await Migrator(files: [one]).migrate(on: database, logger: Self.logger)
            let pending = try await Migrator(files: [one, two]).pending(on: database, logger: Self.logger)
            #expect(pending.map(\.name) == ["0002_two"])
            let applied = try await Migrator(files: [one, two]).migrate(on: database, logger: Self.logger)
            #expect(applied.map(\.name) == ["0002_two"])
        }
    }

    @Test("an applied file that changed is refused")
    func changedChecksumRefused() async throws {
        try await Self.withEmptyDatabase { database in
            try await Migrator(files: [try Self.file("0001_one.sql", "CREATE TABLE one (id int);")])
                .migrate(on: database, logger: Self.logger)
            let edited = Migrator(files: [try Self.file("0001_one.sql", "CREATE TABLE one (id bigint);")])
            await #expect(throws: PersistenceError.self) { try await edited.pending(on: database, logger: Self.logger) }
            await #expect(throws: PersistenceError.self) { try await edited.migrate(on: database, logger: Self.logger) }
        }
    }

    @Test("a diverged history is refused: missing applied file, or a new file numbered below the applied ones")
    func divergedHistoryRefused() async throws {
        try await Self.withEmptyDatabase { database in
            let one = try Self.file("0001_one.sql", "CREATE TABLE one (id int);")
            let three = try Self.file("0003_three.sql", "CREATE TABLE three (id int);")
            try await Migrator(files: [one, three]).migrate(on: database, logger: Self.logger)

            let missing = Migrator(files: [three])
            await #expect(throws: PersistenceError.self) { try await missing.pending(on: database, logger: Self.logger) }

            let two = try Self.file("0002_two.sql", "CREATE TABLE two (id int);")
            let stray = Migrator(files: [one, two, three])
            await #expect(throws: PersistenceError.self) { try await stray.migrate(on: database, logger: Self.logger) }
            #expect(try await Self.tableExists("two", on: database) == false)
        }
    }

    @Test("all pending files run in one transaction: a failing file leaves nothing applied")
    func failureAppliesNothing() async throws {
        try await Self.withEmptyDatabase { database in
            let good = try Self.file("0001_good.sql", "CREATE TABLE good (id int);")
            let bad = try Self.file("0002_bad.sql", "CREATE TABLE bad (id int); SELECT * FROM no_such_table;")
            await #expect(throws: (any Error).self) {
                try await Migrator(files: [good, bad]).migrate(on: database, logger: Self.logger)
            }
            #expect(try await Self.tableExists("good", on: database) == false)
            #expect(try await Migrator(files: [good, bad]).pending(on: database, logger: Self.logger).count == 2)
        }
    }

    @Test("file names must be numbered")
    func malformedNames() {
        #expect(throws: PersistenceError.self) { try Self.file("create_users.sql", "") }
        #expect(throws: PersistenceError.self) { try Self.file("01_short.sql", "") }
        #expect(throws: PersistenceError.self) { try Self.file("0001_ok.txt", "") }
    }

    @Test("statements split on top-level semicolons only")
    func splitter() {
        let script = """
            -- a comment; with a semicolon
            CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
            /* block; comment */ INSERT INTO t VALUES ('a;b', 'it''s; fine');
            CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;
            SELECT "odd;name" FROM t
            """
        let statements = SQLStatementSplitter.split(script)
        #expect(statements.count == 4)
        #expect(statements[0] == "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$")
        #expect(statements[1] == "INSERT INTO t VALUES ('a;b', 'it''s; fine')")
        #expect(statements[2].hasSuffix("$body$ BEGIN RETURN 1; END $body$"))
        #expect(statements[3] == "SELECT \"odd;name\" FROM t")
    }
}
