import Foundation
import Persistence
import Testing

/// The pool is opened whole at start (`PoolWarmUp`): the first burst of work must not
/// wait for connections to be made and their statements prepared.
@Suite("Database pool warm-up")
struct DatabasePoolWarmUpTests {
    @Test("a node opens every connection of its pool at start, before any request")
    func poolOpenedAtStart() async throws {
        let superuser = try TestDatabases.superuserURL
        // arrange
        let url = try await TestDatabases.shared.fresh()
        defer { Task { await TestDatabases.shared.drop(url) } }
        var environment = serverEnvironment(url)
        environment["SWITCHBOARD_DB_MAX_CONNECTIONS"] = "16"
        let admin = superuser.with(database: url.database)
        // The node's connections to this test's database, but for its LISTEN one.
        let pooled = """
            SELECT count(*)::int FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> 'switchboard-listener'
            """

        // act: start a node and send it nothing
        let (server, _) = try await SwitchboardProcess.serve(environment: environment)
        var opened = -1
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            opened = try await TestDatabases.scalar(pooled, on: admin) ?? -1
            if opened == 16 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        server.signal(SIGTERM)
        _ = try await server.waitForExit(timeout: .seconds(15))

        // check
        #expect(opened == 16, "the idle node had \(opened) pooled connections of 16")
    }
}
