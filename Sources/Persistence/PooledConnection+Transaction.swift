import Logging
import PostgresNIO

/// The connection's server went away before a statement was answered.
public struct ConnectionClosed: Error, CustomStringConvertible, Sendable {
    public var description: String { "the database connection closed before the statement was answered" }
}

extension PooledConnection {
    /// BEGIN, `body`, COMMIT (ROLLBACK when `body` throws), rethrowing `body`'s own error.
    ///
    /// Not PostgresNIO's `withTransaction`, which sends ROLLBACK even to a connection
    /// that is gone. Here nothing more is sent to a closed connection: the server
    /// rolled the transaction back when the connection died.
    func inTransaction<Result: Sendable>(logger: Logger, _ body: (PooledConnection) async throws -> Result) async throws -> Result {
        try await query("BEGIN", logger: logger)
        let value: Result
        do {
            value = try await body(self)
        } catch {
            if !isClosed { try await query("ROLLBACK", logger: logger) }
            throw error
        }
        try await query("COMMIT", logger: logger)
        return value
    }
}
