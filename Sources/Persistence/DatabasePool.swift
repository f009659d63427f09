import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// PostgresNIO's pool, with two things it does not do by itself: a bounded wait for a
/// connection, and a quick return after an outage.
///
/// While PostgreSQL is down the pool keeps trying to connect with a growing backoff
/// (up to a minute) and lets every lease wait, for up to a minute, for a connection
/// that cannot come. Here a lease gives up after `leaseTimeout` (the API answers 503),
/// and once a lease gave up without the pool being busy, or a query failed because
/// the database went away, a probe connects once a second; when the database answers
/// again, a fresh pool replaces the old one, whose backoff could keep the service down
/// long after the database is back.
final class DatabasePool: Sendable {
    private struct State {
        var client: PostgresClient
        var started: Bool = false
        var running: [Task<Void, Never>] = []
        var suspectedDown = false
        var stopped = false
    }

    let configuration: PostgresClient.Configuration
    let leaseTimeout: Duration
    let probeInterval: Duration
    /// Long enough for a healthy pool to lend a connection, short enough to answer fast.
    let outageLeaseTimeout = Duration.milliseconds(250)
    private let logger: Logger
    private let state: Mutex<State>
    /// Connections held by leases right now: fewer than the maximum while a lease
    /// times out means the pool could not connect, not that it was busy.
    private let held = LeaseCounter()
    /// Answers statements whose connection died under them (see `StatementWatch`).
    private let statements = StatementWatch()
    private let wakeProbe: AsyncStream<Void>.Continuation
    private let probeWakeups: AsyncStream<Void>

    init(configuration: PostgresClient.Configuration, leaseTimeout: Duration, probeInterval: Duration = .seconds(1), logger: Logger) {
        self.configuration = configuration
        self.leaseTimeout = leaseTimeout
        self.probeInterval = probeInterval
        self.logger = logger
        self.state = Mutex(State(client: PostgresClient(configuration: configuration, backgroundLogger: logger)))
        (probeWakeups, wakeProbe) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Runs the pool (and every pool that replaces it) until cancelled or shut down.
    func run() async {
        let first = state.withLock { state -> PostgresClient? in
            guard !state.started else { return nil }
            state.started = true
            return state.client
        }
        guard let first else { return }
        start(first)
        // For at most a second: until it lets go, its leases hold the connections it got,
        // and requests at start (readiness checks among them) wait for one.
        let warming = Task { [configuration, logger] in
            await PoolWarmUp.fill(first, connections: configuration.options.maximumConnections, within: .seconds(1), logger: logger)
        }
        let sweeper = Task { await statements.keepSweeping() }
        defer { sweeper.cancel() }
        await withTaskCancellationHandler {
            await cancelWhenGracefulShutdown { await self.superviseRecovery() }
        } onCancel: {
            self.wakeProbe.finish()
        }
        warming.cancel()
        let tasks = state.withLock { state in
            state.stopped = true
            return state.running
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    /// Leases a connection for `body`, waiting at most `leaseTimeout` for one, or only
    /// `outageLeaseTimeout` while the database is thought to be down: requests then get
    /// their 503 at once instead of each waiting out the full timeout.
    func withConnection<Result>(_ body: (PooledConnection) async throws -> Result) async throws -> Result {
        let suspectedDown = state.withLock { $0.suspectedDown }
        return try await withConnection(within: suspectedDown ? min(leaseTimeout, outageLeaseTimeout) : leaseTimeout, body)
    }

    private func withConnection<Result>(
        within timeout: Duration, _ body: (PooledConnection) async throws -> Result
    ) async throws -> Result {
        let client = state.withLock { $0.client }
        let handoff = ConnectionHandoff()
        let held = self.held
        let holder = Task {
            do {
                try await client.withConnection { connection in
                    _ = held.add(1)
                    defer { _ = held.add(-1) }
                    guard handoff.offer(connection) else { return }
                    await handoff.waitUntilGivenBack()
                }
            } catch {
                handoff.fail(error)
            }
        }
        let deadline = Task {
            try await Task.sleep(for: timeout)
            if handoff.abandon(with: DatabaseUnavailable(waited: timeout)) { holder.cancel() }
        }
        let connection: PostgresConnection
        do {
            connection = try await withTaskCancellationHandler {
                try await handoff.take()
            } onCancel: {
                if handoff.abandon(with: CancellationError()) { holder.cancel() }
            }
        } catch {
            deadline.cancel()
            if error is DatabaseUnavailable, held.add(0) < configuration.options.maximumConnections {
                suspectOutage()
            }
            throw error
        }
        deadline.cancel()
        defer { handoff.giveBack() }
        // A connection whose server just went away would take a statement and never answer.
        guard !connection.isClosed else { throw ConnectionClosed() }
        return try await body(PooledConnection(postgres: connection, watch: statements))
    }

    /// A query failed because the database went away: look for its return.
    func suspectOutage() {
        let first = state.withLock { state -> Bool in
            defer { state.suspectedDown = true }
            return !state.suspectedDown
        }
        if first { logger.warning("the database looks unavailable; probing for its return") }
        wakeProbe.yield()
    }

    private func start(_ client: PostgresClient) {
        let task = Task { await client.run() }
        let stopped = state.withLock { state in
            state.running.append(task)
            return state.stopped
        }
        if stopped { task.cancel() }
    }

    /// While an outage is suspected, connects once per `probeInterval`; when that works,
    /// swaps in a fresh pool and stops the old one.
    private func superviseRecovery() async {
        for await _ in probeWakeups {
            while state.withLock({ $0.suspectedDown && !$0.stopped }), !Task.isCancelled {
                if await probe() {
                    // A pool that can lend again keeps its connections (a terminated
                    // backend or two is no outage); one still backing off is replaced.
                    if await currentPoolLends() { clearSuspicion() } else { replaceClient() }
                    break
                }
                try? await Task.sleep(for: probeInterval)
            }
        }
    }

    private func probe() async -> Bool {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: PostgresConnection.Configuration(
                    host: configuration.host ?? "127.0.0.1", port: configuration.port ?? 5432,
                    username: configuration.username, password: configuration.password,
                    database: configuration.database, tls: .disable),
                id: 0, logger: logger)
            try await connection.query("SELECT 1", logger: logger)
            try await connection.close()
            return true
        } catch {
            return false
        }
    }

    private func currentPoolLends() async -> Bool {
        do {
            _ = try await withConnection(within: .seconds(1)) { connection in
                try await connection.query("SELECT 1", logger: logger)
            }
            return true
        } catch {
            return false
        }
    }

    private func clearSuspicion() {
        state.withLock { $0.suspectedDown = false }
        logger.notice("the database is reachable again")
    }

    private func replaceClient() {
        let fresh = PostgresClient(configuration: configuration, backgroundLogger: logger)
        start(fresh)
        let old = state.withLock { state -> Task<Void, Never>? in
            state.client = fresh
            state.suspectedDown = false
            return state.running.count > 1 ? state.running.removeFirst() : nil
        }
        // Leases still waiting on the old pool fail (503) as it shuts down.
        old?.cancel()
        logger.notice("the database is reachable again; connecting a fresh pool")
    }
}
