import Logging
import PostgresNIO

/// A connection lent by the pool to one transaction (or one unscoped batch).
///
/// Every statement goes through the pool's `StatementWatch`, so a statement whose
/// connection dies under it fails with `ConnectionClosed` (503) instead of waiting for
/// ever. Only statements are offered: the pool owns the connection's life.
public struct PooledConnection: Sendable {
    let postgres: PostgresConnection
    let watch: StatementWatch
    /// The open transaction's writes sent ahead (`write`); nil outside a transaction.
    var writes: WritesInFlight? = nil

    /// True once the connection's channel has closed: nothing sent now would be answered.
    public var isClosed: Bool { postgres.isClosed }

    @discardableResult
    public func query(
        _ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line
    ) async throws -> CollectedRows {
        guard !postgres.isClosed else { throw ConnectionClosed() }
        return try await answer(send(query, logger: logger, file: file, line: line))
    }

    /// `query`'s rows, sent together with `setup` (a statement that only sets the
    /// transaction's settings, such as planner switches): one wait for both.
    public func query(
        _ query: PostgresQuery, after setup: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line
    ) async throws -> CollectedRows {
        guard !postgres.isClosed else { throw ConnectionClosed() }
        let both = send(setup, logger: logger, file: file, line: line).and(send(query, logger: logger, file: file, line: line))
        return CollectedRows(rows: try await watch.answer(both, on: postgres).1.rows)
    }

    /// Sends `query` now, behind any statement sent before it, without waiting: a
    /// statement sent right after it is written as soon as this one is answered, on
    /// the connection's event loop, with no wait in between (see `inTransaction`).
    func send(
        _ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line
    ) -> EventLoopFuture<PostgresQueryResult> {
        postgres.query(query, logger: logger, file: file, line: line)
    }

    /// The rows of a statement `send` sent.
    @discardableResult
    func answer(_ sent: EventLoopFuture<PostgresQueryResult>) async throws -> CollectedRows {
        CollectedRows(rows: try await watch.answer(sent, on: postgres).rows)
    }

    /// Runs a prepared statement and collects its rows (meant for statements with few rows).
    public func execute<Statement: PostgresPreparedStatement & Sendable>(
        _ statement: Statement, logger: Logger, file: String = #fileID, line: Int = #line
    ) async throws -> [Statement.Row] where Statement.Row: Sendable {
        guard !postgres.isClosed else { throw ConnectionClosed() }
        let postgres = self.postgres
        return try await watch.run(on: postgres) {
            do {
                var rows: [Statement.Row] = []
                for try await row in try await postgres.execute(statement, logger: logger, file: file, line: line) {
                    rows.append(row)
                }
                return rows
            } catch {
                PreparedOnConnections.closeIfPreparationFailed(error, on: postgres)
                throw error
            }
        }
    }

    /// Runs `query` as `Tag`'s prepared statement (see `PreparedSQL`).
    @discardableResult
    public func query<Tag: PreparedSQL>(
        _ query: PostgresQuery, preparedAs tag: Tag.Type, logger: Logger, file: String = #fileID, line: Int = #line
    ) async throws -> CollectedRows {
        precondition(query.sql == Tag.sql, "\(Tag.self) is not the statement this query builds")
        let prepared = PreparedOnConnections.shared.knows(tag, on: postgres)
        // Not prepared behind a write sent ahead that failed (see `sendPrepared`).
        if !prepared, let writes, let failure = await firstFailure(of: writes.current()) { throw failure }
        let rows = try await execute(PreparedQuery<Tag>(bindings: query.binds), logger: logger, file: file, line: line)
        PreparedOnConnections.shared.learn(tag, on: postgres)
        return CollectedRows(rows: rows)
    }
}
