import Logging

extension Database {
    /// Opens a pool, runs `body` with it, and closes the pool: for one-shot commands
    /// (`migrate`, `tenants apply`) that run outside the server's service group.
    public static func withPool<Result: Sendable>(
        url: DatabaseURL, logger: Logger, _ body: @Sendable (Database) async throws -> Result
    ) async throws -> Result {
        let database = Database(url: url, maximumConnections: 2, logger: logger)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                await database.run()
                return nil
            }
            defer { group.cancelAll() }
            // Let run() begin first, so the first lease does not warn that it has not.
            await Task.yield()
            return try await body(database)
        }
    }
}
