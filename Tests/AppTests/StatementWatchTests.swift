import Foundation
import Logging
@testable import Persistence
import PostgresNIO
import Synchronization
import Testing

/// The watch that answers statements PostgresNIO would leave waiting for ever.
@Suite struct StatementWatchTests {
    static let logger = Logger(label: "statement-watch-tests")

    @Test func passesResultsAndErrorsThrough() async throws {
        // arrange
        let watch = StatementWatch(sweepInterval: .milliseconds(20))
        let sweeper = Task { await watch.keepSweeping() }
        defer { sweeper.cancel() }
        let connection = try await Self.connect()
        defer { Task { try? await connection.close() } }
        // act
        let value = try await watch.run(on: connection) {
            var value = 0
            for try await number in try await connection.query("SELECT 41 + 1", logger: Self.logger).decode(Int.self) {
                value = number
            }
            return value
        }
        let failure = await #expect(throws: PSQLError.self) {
            try await watch.run(on: connection) { try await connection.query("SELECT * FROM no_such_table", logger: Self.logger) }
        }
        // check
        #expect(value == 42)
        #expect(failure?.serverInfo?[.sqlState] == "42P01")
        #expect(watch.inFlight == 0)
    }

    /// PostgresNIO drops a statement written to a connection whose channel has closed,
    /// and its answer never comes: this is the case the watch exists for.
    @Test func answersAStatementSentToAClosedConnection() async throws {
        // arrange
        let watch = StatementWatch(sweepInterval: .milliseconds(50))
        let sweeper = Task { await watch.keepSweeping() }
        defer { sweeper.cancel() }
        let connection = try await Self.connect()
        try await connection.close()
        #expect(connection.isClosed)
        // act
        let outcome = try await Self.outcome {
            _ = try await watch.run(on: connection) { try await connection.query("SELECT 1", logger: Self.logger) }
        }
        // check
        Self.expectConnectionClosed(outcome)
        #expect(watch.inFlight == 0)
    }

    /// The same for a statement sent with PostgresNIO's future interface, which the
    /// watch waits on without a task of its own.
    @Test func answersAFutureSentToAClosedConnection() async throws {
        // arrange
        let watch = StatementWatch(sweepInterval: .milliseconds(50))
        let sweeper = Task { await watch.keepSweeping() }
        defer { sweeper.cancel() }
        let connection = try await Self.connect()
        let answered = try await watch.answer(connection.query("SELECT 41 + 1", logger: Self.logger), on: connection)
        try await connection.close()
        // act
        let outcome = try await Self.outcome {
            _ = try await watch.answer(connection.query("SELECT 1", logger: Self.logger), on: connection)
        }
        // check
        #expect(try answered.rows.first?.decode(Int.self) == 42)
        Self.expectConnectionClosed(outcome)
        #expect(watch.inFlight == 0)
    }

    /// How `statement` ended, or nil if it had not within 5 s. It runs in a task of its
    /// own, so that a watch that fails to answer fails the test instead of hanging it.
    static func outcome(of statement: @escaping @Sendable () async throws -> Void) async throws -> Result<Void, any Error>? {
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        Task {
            do {
                try await statement()
                outcome.withLock { $0 = .success(()) }
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while outcome.withLock({ $0 }) == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return outcome.withLock { $0 }
    }

    static func expectConnectionClosed(_ outcome: Result<Void, any Error>?) {
        switch outcome {
        case nil: Issue.record("the statement was not answered within 5 s")
        case .success: Issue.record("a closed connection answered a statement")
        case .failure(let error): #expect(error is ConnectionClosed, "\(error)")
        }
    }

    static func connect() async throws -> PostgresConnection {
        let url = try TestDatabases.adminURL
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable
        )
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
    }
}
