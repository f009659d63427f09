import Logging
import PostgresNIO

/// The connection's server went away before a statement was answered.
public struct ConnectionClosed: Error, CustomStringConvertible, Sendable {
    public var description: String { "the database connection closed before the statement was answered" }
}

/// COMMIT answered ROLLBACK: the transaction had failed although no statement said so.
public struct RolledBack: Error, CustomStringConvertible, Sendable {
    public var description: String { "the transaction was rolled back at COMMIT" }
}

extension PooledConnection {
    /// BEGIN, `body`, COMMIT (ROLLBACK when `body` throws), rethrowing `body`'s own error.
    ///
    /// Not PostgresNIO's `withTransaction`, which sends ROLLBACK even to a connection
    /// that is gone. Here nothing more is sent to a closed connection: the server
    /// rolled the transaction back when the connection died.
    ///
    /// `opening`, statements that set the transaction's own settings (its tenant scope)
    /// or only read, are sent together with BEGIN, one after another, and waited for
    /// once; `body` gets their rows. PostgreSQL runs them in order, so each sees what
    /// the ones before it set. Should BEGIN fail, each of them ran in a transaction of
    /// its own that took its settings with it, and BEGIN's error is thrown before
    /// `body` runs.
    ///
    /// `first` runs once they are sent, before they are answered: its statements queue
    /// behind them, so its first read costs no wait of its own even when it is a
    /// prepared statement, which cannot be sent with them. `first` must only read:
    /// should BEGIN fail, it ran outside the transaction, without its settings.
    ///
    /// The connection `first` and `body` get sends `write`s ahead; COMMIT waits for them.
    func inTransaction<First: Sendable, Result: Sendable>(
        opening: [PostgresQuery], first: (PooledConnection) async throws -> First, logger: Logger,
        _ body: (PooledConnection, [CollectedRows], First) async throws -> Result
    ) async throws -> Result {
        guard !isClosed else { throw ConnectionClosed() }
        var transaction = self
        let writes = WritesInFlight()
        transaction.writes = writes
        var opened = send("BEGIN", logger: logger).map { _ in [CollectedRows]() }
        for statement in opening {
            opened = opened.and(send(statement, logger: logger)).map { rows, next in rows + [CollectedRows(rows: next.rows)] }
        }
        let value: Result
        do {
            let early = try await first(transaction)
            let openingRows = try await watch.answer(opened, on: postgres)
            value = try await body(transaction, openingRows, early)
        } catch {
            if !isClosed { try await query("ROLLBACK", logger: logger) }
            // A write sent ahead that failed is why the statements after it failed.
            throw await firstFailure(of: writes.take()) ?? error
        }
        try await commit(after: writes.take(), logger: logger)
        return value
    }

    /// COMMIT, sent behind `writes` and waited for together with them: the first of
    /// them to fail is thrown (COMMIT then rolled back).
    private func commit(after writes: [EventLoopFuture<CollectedRows>], logger: Logger) async throws {
        guard !writes.isEmpty else {
            try await query("COMMIT", logger: logger)
            return
        }
        guard !isClosed else { throw ConnectionClosed() }
        let commit = send("COMMIT", logger: logger).flatMapThrowing { result in
            // A COMMIT that found the transaction failed answers ROLLBACK.
            guard result.metadata.command == "COMMIT" else { throw RolledBack() }
            return CollectedRows(rows: [])
        }
        let outcomes = try await watch.answer(EventLoopFuture.whenAllComplete(writes + [commit], on: postgres.eventLoop), on: postgres)
        for outcome in outcomes { _ = try outcome.get() }
    }

    /// The first failure among `writes`, once all of them are answered.
    func firstFailure(of writes: [EventLoopFuture<CollectedRows>]) async -> (any Error)? {
        guard !writes.isEmpty else { return nil }
        let outcomes: [Swift.Result<CollectedRows, any Error>]
        do {
            outcomes = try await watch.answer(EventLoopFuture.whenAllComplete(writes, on: postgres.eventLoop), on: postgres)
        } catch {
            return error
        }
        for case .failure(let error) in outcomes { return error }
        return nil
    }

    /// BEGIN, `statements` and COMMIT sent at once and waited for once: a transaction
    /// that needs nothing from its own answers before it commits. PostgreSQL runs them
    /// in order; should one fail, those after it fail too and COMMIT rolls the
    /// transaction back, and the first failure is thrown. Answers each statement's rows.
    func inOneTrip(_ statements: [PostgresQuery], logger: Logger) async throws -> [CollectedRows] {
        guard !isClosed else { throw ConnectionClosed() }
        let sent = [send("BEGIN", logger: logger)] + statements.map { send($0, logger: logger) } + [send("COMMIT", logger: logger)]
        let outcomes = try await watch.answer(EventLoopFuture.whenAllComplete(sent, on: postgres.eventLoop), on: postgres)
        var answers: [PostgresQueryResult] = []
        for outcome in outcomes { answers.append(try outcome.get()) }
        // Every statement succeeded, so COMMIT committed; a COMMIT that found the
        // transaction failed would have answered ROLLBACK.
        guard answers.last?.metadata.command == "COMMIT" else { throw RolledBack() }
        return answers.dropFirst().dropLast().map { CollectedRows(rows: $0.rows) }
    }

    /// BEGIN, `body`, COMMIT, as above, with nothing sent along with BEGIN.
    func inTransaction<Result: Sendable>(logger: Logger, _ body: (PooledConnection) async throws -> Result) async throws -> Result {
        try await inTransaction(opening: [], first: { _ in () }, logger: logger) { connection, _, _ in try await body(connection) }
    }
}
