import Logging
import PostgresNIO

/// The connection's server went away before a statement could be sent.
public struct ConnectionClosed: Error, CustomStringConvertible, Sendable {
    public var description: String { "the database connection closed before the statement was sent" }
}

extension PostgresConnection {
    /// BEGIN, `body`, COMMIT (ROLLBACK when `body` throws), rethrowing `body`'s own error.
    ///
    /// Not PostgresNIO's `withTransaction`: a statement written to a connection whose
    /// channel has already closed is never answered (its promise is dropped with the
    /// write), so that one's ROLLBACK after a lost connection waited for ever and held
    /// the request with it. Here no statement goes to a closed connection: the server
    /// rolled the transaction back when the connection died.
    func inTransaction<Result: Sendable>(logger: Logger, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await statement("BEGIN", logger: logger)
        let value: Result
        do {
            value = try await body(self)
        } catch {
            if !isClosed { try await statement("ROLLBACK", logger: logger) }
            throw error
        }
        try await statement("COMMIT", logger: logger)
        return value
    }

    private func statement(_ sql: String, logger: Logger) async throws {
        guard !isClosed else { throw ConnectionClosed() }
        try await query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }
}
