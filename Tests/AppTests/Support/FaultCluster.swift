import Accounts
import Foundation
import Logging
import Persistence
import Realtime
import Testing

/// What `ops/faults` hands the fault tests: a PostgreSQL cluster of their own, which
/// they may stop and start (`SWITCHBOARD_FAULTS_PG` is "NAME PORT" for
/// ops/lib/pg-control). Without it the fault suite is skipped: the ordinary suite
/// shares its cluster with every other test.
enum FaultEnvironment {
    static var cluster: (name: String, port: String)? {
        let parts = (ProcessInfo.processInfo.environment["SWITCHBOARD_FAULTS_PG"] ?? "").split(separator: " ").map(String.init)
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    static var isSet: Bool { cluster != nil }

    /// A progress line on stderr, so a slow or stuck fault test shows how far it got.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data("[faults \(Date())] \(text)\n".utf8))
    }

    /// Runs ops/lib/pg-control `action` (stop: immediate shutdown; start: back up).
    static func postgres(_ action: String) async throws {
        let cluster = try #require(cluster, "SWITCHBOARD_FAULTS_PG is not set: run the fault tests with ops/faults")
        let root = URL(fileURLWithPath: TestDatabases.migrationsDirectory).deletingLastPathComponent()
        let process = Process()
        process.executableURL = root.appendingPathComponent("ops/lib/pg-control")
        process.arguments = [cluster.name, cluster.port, action]
        try process.run()
        // Polled, not waitUntilExit(): that would block one of the few cooperative threads.
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        try #require(process.terminationStatus == 0, "pg-control \(action) exited \(process.terminationStatus)")
    }
}

/// Two `switchboard serve` nodes on one fresh database with a tenant of an owner,
/// agents and customers; the test's own pool on the same database.
struct FaultCluster: Sendable {
    let url: DatabaseURL
    let database: Database
    let tenant: CallsTests.CallTenant
    let nodes: [SwitchboardProcess]
    let bases: [String]

    var staff: [CallsTests.Person] { [tenant.owner] + tenant.agents }

    static let logger: Logger = {
        var logger = Logger(label: "fault-tests")
        logger.logLevel = .error
        return logger
    }()

    /// Starts the nodes, runs `body`, then kills them and drops the database.
    static func with(
        agents: Int, customers: Int, _ body: @Sendable (FaultCluster) async throws -> Void
    ) async throws {
        let url = try await TestDatabases.shared.fresh()
        let environment = serverEnvironment(url)  // one JWT secret: a token works on both nodes
        var started: [SwitchboardProcess] = []
        func cleanUp() async {
            for (index, process) in started.enumerated() {
                process.signal(SIGKILL)
                _ = try? await process.waitForExit(timeout: .seconds(10))
                try? Data(process.printed.utf8).write(to: logURL(index))
            }
            await TestDatabases.shared.drop(url)
        }
        do {
            var bases: [String] = []
            for _ in 0..<2 {
                let (node, base) = try await SwitchboardProcess.serve(environment: environment)
                started.append(node)
                bases.append(base)
            }
            let nodes = started
            let urls = bases
            // The nodes' logs under .data/, rewritten every second: a run that ops/faults'
            // time limit ends still leaves them.
            let logWriter = Task {
                while !Task.isCancelled {
                    for (index, node) in nodes.enumerated() {
                        try? Data(node.printed.utf8).write(to: Self.logURL(index))
                    }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            defer { logWriter.cancel() }
            try await Database.withPool(url: url, logger: logger) { database in
                let tenant = try await CallsTests.seed(
                    database, slug: "faults", agents: (1...agents).map { "Agent \($0)" }, customers: customers)
                try await body(FaultCluster(url: url, database: database, tenant: tenant, nodes: nodes, bases: urls))
            }
        } catch {
            Issue.record("fault cluster failed: \(String(reflecting: error))")
            await cleanUp()
            throw error
        }
        await cleanUp()
    }

    /// Where node `index`'s output is kept (ops/faults prints the tail when a test fails).
    static func logURL(_ index: Int) -> URL {
        URL(fileURLWithPath: TestDatabases.migrationsDirectory).deletingLastPathComponent()
            .appendingPathComponent(".data/faults-node-\(index).log")
    }

    func api(_ node: Int) -> CallAPI { CallAPI(base: bases[node]) }

    /// Emits one event to every user of the tenant and returns its id: the position
    /// every client resumes from, so each stream's start is exact.
    func mark() async throws -> String {
        let tenantID = tenant.id
        let everyone = EventAudience(userIDs: tenant.customers.map(\.id), roles: [.owner, .admin, .agent])
        return try await database.withTenant(tenantID, logger: Self.logger) { connection in
            try await EventOutbox().emit(tenantID, type: "test.start", audience: everyone, payload: "{}", on: connection, logger: Self.logger)
            let rows = try await connection.query(
                "SELECT txid::text, id FROM events WHERE txid = pg_current_xact_id() ORDER BY id DESC LIMIT 1", logger: Self.logger)
            for try await (txid, id) in rows.decode((String, Int64).self) { return "\(txid)-\(id)" }
            throw TestSetupError("the start event is not in the table")
        }
    }

    /// Every event `person` (with `role`) may see after `after`, in delivery order.
    func expectedIDs(_ person: CallsTests.Person, role: Role, after: String) async throws -> [String] {
        try await OutboxTruth.expectedIDs(database, tenantID: tenant.id, userID: person.id, role: role, after: after)
    }

    /// Terminates every server connection to this test's database but the caller's
    /// (the nodes' pools and LISTEN connections, and this test's own pool); returns how many.
    func terminateBackends() async throws -> Int {
        let superuser = try TestDatabases.superuserURL
        return try await TestDatabases.scalar(
            """
            SELECT count(*)::int FROM (
              SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()) t
            WHERE ok
            """,
            on: superuser.with(database: url.database)) ?? 0
    }
}
