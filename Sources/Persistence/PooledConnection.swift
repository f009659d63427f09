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

    /// True once the connection's channel has closed: nothing sent now would be answered.
    public var isClosed: Bool { postgres.isClosed }

    @discardableResult
    public func query(
        _ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line
    ) async throws -> PostgresRowSequence {
        guard !postgres.isClosed else { throw ConnectionClosed() }
        let postgres = self.postgres
        return try await watch.run(on: postgres) {
            try await postgres.query(query, logger: logger, file: file, line: line)
        }
    }

    /// Runs a prepared statement and collects its rows (meant for statements with few rows).
    public func execute<Statement: PostgresPreparedStatement & Sendable>(
        _ statement: Statement, logger: Logger, file: String = #fileID, line: Int = #line
    ) async throws -> [Statement.Row] where Statement.Row: Sendable {
        guard !postgres.isClosed else { throw ConnectionClosed() }
        let postgres = self.postgres
        return try await watch.run(on: postgres) {
            var rows: [Statement.Row] = []
            for try await row in try await postgres.execute(statement, logger: logger, file: file, line: line) {
                rows.append(row)
            }
            return rows
        }
    }

    /// Runs `query` as `Tag`'s prepared statement (see `PreparedSQL`).
    @discardableResult
    public func query<Tag: PreparedSQL>(
        _ query: PostgresQuery, preparedAs tag: Tag.Type, logger: Logger, file: String = #fileID, line: Int = #line
    ) async throws -> PreparedRows {
        precondition(query.sql == Tag.sql, "\(Tag.self) is not the statement this query builds")
        return PreparedRows(rows: try await execute(PreparedQuery<Tag>(bindings: query.binds), logger: logger, file: file, line: line))
    }
}
