import Foundation
import Logging
import Persistence
import PostgresNIO
import Synchronization
import Testing

@testable import App

/// Statements sent ahead (`PooledConnection.write`, `readAhead`): sent without waiting,
/// answered in order, and a failure among them is the transaction's own error.
@Suite("Statements sent ahead", .serialized)
struct StatementsAheadTests {
    static let logger = Logger(label: "test.statements-ahead")

    /// A lock another connection holds while the statement under test waits for it
    /// (with `true`; with `false` it only gets the statement prepared on the connection).
    enum TakeHeldLock: PreparedSQL { static let sql = takeHeldLock(false).sql }

    static func takeHeldLock(_ wait: Bool) -> PostgresQuery { "SELECT pg_advisory_xact_lock(4242) WHERE \(wait)::bool" }

    enum RenameTenant: PreparedSQL { static let sql = renameQuery(UUID(), "").sql }

    static func renameQuery(_ id: UUID, _ name: String) -> PostgresQuery { "UPDATE tenants SET name = \(name) WHERE id = \(id)" }

    static func names(_ app: TestApp) async throws -> [String] {
        try await app.database.withCrossTenantAccess(.operatorAdministration, logger: logger) { connection in
            var names: [String] = []
            for try await name in try await connection.query("SELECT name FROM tenants ORDER BY name", logger: logger).decode(String.self) {
                names.append(name)
            }
            return names
        }
    }

    /// Holds advisory lock 4242 on a connection of its own until `seconds` pass, then
    /// releases it and says so in `released`.
    static func holdLock(_ app: TestApp, seconds: Double, released: Flag, held: Flag) -> Task<Void, any Error> {
        Task {
            try await app.database.withUnscopedConnection(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_lock(4242)", logger: logger)
                held.set()
                try await Task.sleep(for: .seconds(seconds))
                released.set()
                try await connection.query("SELECT pg_advisory_unlock(4242)", logger: logger)
            }
        }
    }

    @Test("a write sent ahead, prepared or not, goes on before its statement is answered; COMMIT waits for it")
    func writesDoNotWait() async throws {
        try await TestApp.run { app in
            let acme = try await app.seedTenant("acme")
            for prepared in [true, false] {
                let released = Flag()
                let held = Flag()
                let holder = Self.holdLock(app, seconds: 3, released: released, held: held)
                while !held.isSet { try await Task.sleep(for: .milliseconds(10)) }
                let wentOnWhileHeld = try await app.database.withCrossTenantAccess(.operatorAdministration, logger: Self.logger) {
                    connection in
                    if prepared {
                        // Sent ahead only once it has run on this connection (before that it waits).
                        try await connection.query(Self.takeHeldLock(false), preparedAs: TakeHeldLock.self, logger: Self.logger)
                        try await connection.write(Self.takeHeldLock(true), preparedAs: TakeHeldLock.self, logger: Self.logger)
                    } else {
                        try await connection.write(Self.takeHeldLock(true), logger: Self.logger)
                    }
                    let wentOn = !released.isSet
                    try await connection.write(
                        Self.renameQuery(acme.id, "Acme \(prepared)"), preparedAs: RenameTenant.self, logger: Self.logger)
                    return wentOn
                }
                // Had the write waited, it would have gone on only once the lock was released.
                #expect(wentOnWhileHeld, "prepared: \(prepared)")
                #expect(released.isSet, "COMMIT returned before the write it waits for could run")
                #expect(try await Self.names(app).contains("Acme \(prepared)"))
                try await holder.value
            }
        }
    }

    @Test("a failed write sent ahead is the transaction's error, not the refusals after it, and nothing commits")
    func failedWriteIsTheError() async throws {
        try await TestApp.run { app in
            let acme = try await app.seedTenant("acme")
            let names = try await Self.names(app)
            // Failing before a read that waits: the read is refused (25P02), the write's error is thrown.
            let beforeRead = await #expect(throws: PSQLError.self) {
                try await app.database.withCrossTenantAccess(.operatorAdministration, logger: Self.logger) { connection in
                    try await connection.write(Self.renameQuery(acme.id, "Acme One"), preparedAs: RenameTenant.self, logger: Self.logger)
                    try await connection.write("SELECT 1 / 0", logger: Self.logger)
                    try await connection.query("SELECT 1", logger: Self.logger)
                }
            }
            #expect(beforeRead?.serverInfo?[.sqlState] == "22012")
            // Failing with nothing after it: COMMIT rolls back and the write's error is thrown.
            let atCommit = await #expect(throws: PSQLError.self) {
                try await app.database.withCrossTenantAccess(.operatorAdministration, logger: Self.logger) { connection in
                    try await connection.write(Self.renameQuery(acme.id, "Acme Two"), preparedAs: RenameTenant.self, logger: Self.logger)
                    try await connection.write(
                        PostgresQuery(unsafeSQL: "SELECT 1 / (SELECT count(*) - count(*) FROM tenants)"), logger: Self.logger)
                }
            }
            #expect(atCommit?.serverInfo?[.sqlState] == "22012")
            #expect(try await Self.names(app) == names)
        }
    }

    @Test("a body that throws after writes sent ahead throws its own error and commits none of them")
    func bodyErrorRollsBackWrites() async throws {
        struct Refused: Error {}
        try await TestApp.run { app in
            let acme = try await app.seedTenant("acme")
            let names = try await Self.names(app)
            await #expect(throws: Refused.self) {
                try await app.database.withCrossTenantAccess(.operatorAdministration, logger: Self.logger) { connection in
                    try await connection.write(Self.renameQuery(acme.id, "Acme One"), preparedAs: RenameTenant.self, logger: Self.logger)
                    throw Refused()
                }
            }
            #expect(try await Self.names(app) == names)
        }
    }

    @Test("reads sent ahead answer in order, each seeing the writes sent before it, whichever is waited for first")
    func readsAheadSeeWritesBeforeThem() async throws {
        enum NameOf: PreparedSQL { static let sql = "SELECT name FROM tenants WHERE id = $1" }
        try await TestApp.run { app in
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let (before, after, other) = try await app.database.withCrossTenantAccess(.operatorAdministration, logger: Self.logger) {
                connection in
                func name(_ id: UUID) async -> Ahead<String?> {
                    await connection.readAhead("SELECT name FROM tenants WHERE id = \(id)", preparedAs: NameOf.self, logger: Self.logger)
                        .decoded { rows in
                            for try await name in rows.decode(String.self) { return name }
                            return nil
                        }
                }
                let before = await name(acme.id)
                try await connection.write(Self.renameQuery(acme.id, "Acme One"), preparedAs: RenameTenant.self, logger: Self.logger)
                let after = await name(acme.id)
                let other = await name(globex.id)
                let otherName = try await other.value()
                let afterName = try await after.value()
                return (try await before.value(), afterName, otherName)
            }
            #expect(before == "Acme Inc")
            #expect(after == "Acme One")
            #expect(other == "Globex Inc")
        }
    }

    enum FirstRunBehindFailure: PreparedSQL { static let sql = nameQuery(UUID()).sql }
    enum FirstQueryBehindFailure: PreparedSQL { static let sql = nameQuery(UUID()).sql + " AND true" }

    static func nameQuery(_ id: UUID) -> PostgresQuery { "SELECT name FROM tenants WHERE id = \(id)" }

    /// PostgresNIO keeps a statement's failed preparation for the connection's life: a
    /// statement first run behind a failed write (its preparation refused with 25P02)
    /// would fail on that connection ever after. The pool here has one connection.
    @Test("a statement's first run behind a failed write is not sent, so the connection keeps no failed preparation")
    func noPreparationBehindAFailedWrite() async throws {
        try await TestApp.run(configure: { $0.databaseMaxConnections = 1 }) { app in
            let acme = try await app.seedTenant("acme")
            for sentAhead in [true, false] {
                do {
                    try await app.database.withCrossTenantAccess(.operatorAdministration, logger: Self.logger) { connection in
                        try await connection.write("SELECT 1 / 0", logger: Self.logger)
                        if sentAhead {
                            try await connection.write(Self.nameQuery(acme.id), preparedAs: FirstRunBehindFailure.self, logger: Self.logger)
                        } else {
                            var query = Self.nameQuery(acme.id)
                            query.sql += " AND true"
                            try await connection.query(query, preparedAs: FirstQueryBehindFailure.self, logger: Self.logger)
                        }
                    }
                    Issue.record("the transaction committed past a failed write")
                } catch let error as PSQLError {
                    #expect(error.serverInfo?[.sqlState] == "22012", "the failed write's own error, sent ahead: \(sentAhead)")
                }
            }
            // The same connection, now healthy: both statements run.
            let names = try await app.database.withCrossTenantAccess(.operatorAdministration, logger: Self.logger) { connection in
                var query = Self.nameQuery(acme.id)
                let first = try await connection.query(query, preparedAs: FirstRunBehindFailure.self, logger: Self.logger)
                query.sql += " AND true"
                let second = try await connection.query(query, preparedAs: FirstQueryBehindFailure.self, logger: Self.logger)
                var names: [String] = []
                for rows in [first, second] { for try await name in rows.decode(String.self) { names.append(name) } }
                return names
            }
            #expect(names.count == 2, "\(names)")
        }
    }
}

/// A flag set once, read from any task.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
