import Accounts
import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Persistence
import PostgresNIO
import Realtime
import Testing

/// The real-time hub across nodes: two real `switchboard serve` processes on one
/// database, killed, terminated and cut off from their LISTEN connections while
/// events flow. Events emitted by the test go straight through `EventOutbox`; the
/// events table read back in (txid, id) order is the ground truth clients must match.
///
/// Delivery waits for the cluster-wide transaction horizon (other tests hold
/// transactions open concurrently), so every wait here allows well over 10 s.
@Suite("Real-time across two nodes", .serialized)
struct RealtimeNodesTests {
    static let logger: Logger = {
        var logger = Logger(label: "realtime-nodes-tests")
        logger.logLevel = .error
        return logger
    }()

    // MARK: - Cluster

    /// Two nodes (`a`, `b`) serving one fresh database, with a seeded tenant and a
    /// pool of the test's own on that database.
    struct Cluster: Sendable {
        let url: DatabaseURL
        let database: Database
        let tenant: SeededTenant
        let nodeA: SwitchboardProcess
        let nodeB: SwitchboardProcess
        let a: String
        let b: String

        func id(_ role: Role) -> UUID { tenant.userIDs[role]! }
    }

    /// Starts two nodes on a fresh database, runs `body`, then kills both and drops
    /// the database whatever happened.
    static func withCluster(
        nodeTimeoutSeconds: Int? = nil, _ body: @Sendable (Cluster) async throws -> Void
    ) async throws {
        do {
            try await runCluster(nodeTimeoutSeconds: nodeTimeoutSeconds, body)
        } catch {
            // PSQLError's description hides its details; say what went wrong.
            Issue.record("cluster test failed: \(String(reflecting: error))")
            throw error
        }
    }

    private static func runCluster(
        nodeTimeoutSeconds: Int?, _ body: @Sendable (Cluster) async throws -> Void
    ) async throws {
        let url = try await TestDatabases.shared.fresh()
        var environment = serverEnvironment(url)  // one JWT secret: a token works on both nodes
        environment["SWITCHBOARD_DB_MAX_CONNECTIONS"] = "6"  // other tests share the server's connection slots
        if let nodeTimeoutSeconds { environment["SWITCHBOARD_NODE_TIMEOUT_SECONDS"] = String(nodeTimeoutSeconds) }
        var started: [SwitchboardProcess] = []
        func cleanUp() async {
            for process in started {
                process.signal(SIGKILL)
                _ = try? await process.waitForExit(timeout: .seconds(10))
            }
            await TestDatabases.shared.drop(url)
        }
        do {
            let (nodeA, a) = try await SwitchboardProcess.serve(environment: environment)
            started.append(nodeA)
            let (nodeB, b) = try await SwitchboardProcess.serve(environment: environment)
            started.append(nodeB)
            try await Database.withPool(url: url, logger: logger) { database in
                let tenant = try await seed(database, slug: "nodes")
                try await body(Cluster(url: url, database: database, tenant: tenant, nodeA: nodeA, nodeB: nodeB, a: a, b: b))
            }
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }

    /// A tenant with one user per role, as `TestApp.seedTenant` makes it.
    static func seed(_ database: Database, slug: String) async throws -> SeededTenant {
        let manifest = try TenantManifest.parse(
            yaml: """
                slug: \(slug)
                name: \(slug.capitalized) Inc
                users:
                  - {email: owner@\(slug).test, name: Owner \(slug), role: owner, passwordEnv: SEED_PASSWORD}
                  - {email: admin@\(slug).test, name: Admin \(slug), role: admin, passwordEnv: SEED_PASSWORD}
                  - {email: agent@\(slug).test, name: Agent \(slug), role: agent, passwordEnv: SEED_PASSWORD}
                  - {email: customer@\(slug).test, name: Customer \(slug), role: customer, passwordEnv: SEED_PASSWORD}
                """)
        let applied = try await TenantManifestApplier(database: database, hasher: PasswordHasher(cost: 4))
            .apply(manifest, environment: ["SEED_PASSWORD": SeededTenant.password], logger: logger)
        let ids = try await database.withTenant(applied.tenant.id, logger: logger) { connection in
            var ids: [Role: UUID] = [:]
            let rows = try await connection.query("SELECT id, role FROM users WHERE tenant_id = \(applied.tenant.id)", logger: logger)
            for try await (id, role) in rows.decode((UUID, String).self) { ids[Role(rawValue: role)!] = id }
            return ids
        }
        return SeededTenant(slug: slug, id: applied.tenant.id, userIDs: ids)
    }

    // MARK: - HTTP

    /// Logs in over HTTP on `base` and returns the access token.
    static func login(_ base: String, _ tenant: SeededTenant, _ role: Role) async throws -> String {
        let response = try await postJSON(
            "\(base)/v1/auth/login",
            #"{"tenant":"\#(tenant.slug)","email":"\#(tenant.email(role))","password":"\#(SeededTenant.password)"}"#
        )
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        try #require(response.status == .ok, "login as \(role) on \(base) failed: \(response.status) \(body)")
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return try #require(object?["accessToken"] as? String)
    }

    /// Sends a request with a bearer token; returns the status code and body text.
    static func call(
        _ method: HTTPMethod, _ url: String, token: String, json: String? = nil
    ) async throws -> (status: UInt, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, String(buffer: body))
    }

    /// Whether `GET /v1/presence` on `base` lists `userID` as reachable.
    static func reachable(_ userID: UUID, on base: String, token: String) async throws -> Bool {
        let (status, body) = try await call(.GET, "\(base)/v1/presence", token: token)
        try #require(status == 200, "GET /v1/presence on \(base): \(status) \(body)")
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let items = try #require(object?["items"] as? [[String: Any]], "no items in \(body)")
        let entry = try #require(
            items.first { ($0["userId"] as? String).flatMap(UUID.init(uuidString:)) == userID }, "\(userID) not listed: \(body)")
        return try #require(entry["reachable"] as? Bool)
    }

    // MARK: - Events

    /// Emits one event in its own tenant transaction; returns its id `"<txid>-<id>"`.
    @discardableResult
    static func emit(
        _ cluster: Cluster, type: String = "test.ping", audience: EventAudience, payload: String
    ) async throws -> String {
        let tenantID = cluster.tenant.id
        return try await cluster.database.withTenant(tenantID, logger: logger) { connection in
            try await EventOutbox().emit(tenantID, type: type, audience: audience, payload: payload, on: connection, logger: logger)
            let rows = try await connection.query(
                "SELECT txid::text, id FROM events WHERE txid = pg_current_xact_id() ORDER BY id DESC LIMIT 1", logger: logger
            )
            for try await (txid, id) in rows.decode((String, Int64).self) { return "\(txid)-\(id)" }
            throw TestSetupError("the emitted event is not in the table")
        }
    }

    /// Every event `userID` (with `role`) may see after `after`, in delivery order.
    static func expectedIDs(_ cluster: Cluster, userID: UUID, role: Role, after: String) async throws -> [String] {
        try await OutboxTruth.expectedIDs(cluster.database, tenantID: cluster.tenant.id, userID: userID, role: role, after: after)
    }

    /// Emits `test.ping` events `{"n": 0, 1, ...}` for `audience`, a few ms apart,
    /// until at least `minimum` went out and `keepGoing` says stop (capped at 3000
    /// events or 60 s). Returns how many it emitted.
    static func emitContinuously(
        _ cluster: Cluster, audience: EventAudience, minimum: Int, keepGoing: @escaping @Sendable () -> Bool
    ) -> Task<Int, any Error> {
        Task {
            let deadline = ContinuousClock.now + .seconds(60)
            var n = 0
            while n < minimum || (keepGoing() && n < 3000 && ContinuousClock.now < deadline) {
                try await emit(cluster, audience: audience, payload: #"{"n":\#(n)}"#)
                n += 1
                try await Task.sleep(for: .milliseconds(5))
            }
            return n
        }
    }

    /// Tells an emitting task to stop.
    final class Progress: Sendable {
        private let box = NIOLockedValueBox(false)
        func finish() { box.withLockedValue { $0 = true } }
        var done: Bool { box.withLockedValue { $0 } }
    }

    /// Fails with a readable diff when `received` is not exactly `expected`.
    static func expectExactlyOnceInOrder(
        _ received: [String], _ expected: [String], _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let duplicates = Dictionary(grouping: received, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        let missing = Set(expected).subtracting(received)
        let unexpected = Set(received).subtracting(expected)
        #expect(duplicates.isEmpty, "\(label): duplicated \(duplicates)", sourceLocation: sourceLocation)
        #expect(
            missing.isEmpty, "\(label): missing \(missing.count) of \(expected.count): \(missing.sorted().prefix(20))",
            sourceLocation: sourceLocation)
        #expect(unexpected.isEmpty, "\(label): not in the table: \(unexpected.sorted())", sourceLocation: sourceLocation)
        #expect(
            received == expected, "\(label): \(received.count) received vs \(expected.count) expected, order differs",
            sourceLocation: sourceLocation)
        let positions = received.compactMap(EventPosition.init)
        #expect(
            zip(positions, positions.dropFirst()).allSatisfy { $0 < $1 }, "\(label): ids not increasing", sourceLocation: sourceLocation)
    }

    // MARK: - Tests

    @Test("a WebSocket client on node B receives events committed through node A")
    func crossNodeDelivery() async throws {
        try await Self.withCluster { cluster in
            let agentToken = try await Self.login(cluster.b, cluster.tenant, .agent)
            let ownerToken = try await Self.login(cluster.a, cluster.tenant, .owner)
            let agent = try await RealtimeClient.connect(.webSocket, baseURL: cluster.b, token: agentToken)
            defer { Task { await agent.close() } }
            // The agent's own connection announces it; once that arrives, the socket is live.
            let own = await agent.recorder.wait(timeout: .seconds(20)) { events in
                events.contains { $0.type == "presence.changed" && $0.object["userId"] as? String == cluster.id(.agent).uuidString }
            }
            try #require(own, "the agent never saw its own presence.changed: \(agent.events)")

            // act: the owner changes status through node A
            let put = try await Self.call(.PUT, "\(cluster.a)/v1/me/presence", token: ownerToken, json: #"{"status":"busy"}"#)
            #expect(put.status == 200, "PUT /v1/me/presence on A: \(put.status) \(put.body)")
            let sawOwner = await agent.recorder.wait(timeout: .seconds(20)) { events in
                events.contains {
                    $0.type == "presence.changed" && ($0.object["userId"] as? String).flatMap(UUID.init(uuidString:)) == cluster.id(.owner)
                        && $0.object["status"] as? String == "busy"
                }
            }
            #expect(sawOwner, "node B's client missed the owner's presence.changed from node A: \(agent.events)")

            // act: an event written straight to the outbox, for the agent alone
            let pingID = try await Self.emit(cluster, type: "test.ping", audience: .user(cluster.id(.agent)), payload: #"{"n":1}"#)
            let pings = await agent.recorder.waitForEvents(1, type: "test.ping", timeout: .seconds(20))
            #expect(pings.map(\.id) == [pingID])
            #expect(pings.first?.object["n"] as? Int == 1)
            #expect(agent.recorder.malformed.isEmpty)
            // Nothing is delivered twice.
            try await Task.sleep(for: .milliseconds(500))
            let ids = agent.events.map(\.id)
            #expect(Set(ids).count == ids.count, "duplicates: \(ids)")
            await agent.close()
        }
    }

    // Can fail intermittently through the OutboxReader text-ordering bug (see
    // transactionIDDigitBoundary below) when the cluster's transaction ids happen to
    // cross a power of ten (e.g. 999 -> 1000) during the stream: events just below the
    // boundary are then lost by the live fan-out. The same applies to listenerTerminated.
    @Test(
        "SIGKILL of a node mid-stream: the client resumes on the other node and gets every event once, in order",
        arguments: RealtimeClient.Transport.allCases)
    func killNodeMidStream(_ transport: RealtimeClient.Transport) async throws {
        try await Self.withCluster { cluster in
            let customer = cluster.id(.customer)
            let token = try await Self.login(cluster.a, cluster.tenant, .customer)
            // Resume from a known event so the stream's start is exact (no race with registration).
            let start = try await Self.emit(cluster, type: "test.start", audience: .user(customer), payload: "{}")
            let first = try await RealtimeClient.connect(transport, baseURL: cluster.a, token: token, lastEventID: start)
            defer { Task { await first.close() } }

            let progress = Progress()
            let emitter = Self.emitContinuously(cluster, audience: .user(customer), minimum: 200) { !progress.done }

            // act: kill node A once its client is well into the stream
            let midway = await first.recorder.wait(timeout: .seconds(30)) { $0.count >= 40 }
            try #require(midway, "node A delivered only \(first.events.count) events")
            cluster.nodeA.signal(SIGKILL)
            let killedWhileEmitting = !progress.done
            #expect(await first.recorder.waitForEnd(timeout: .seconds(15)), "the client did not notice node A died")
            let beforeKill = first.events
            let last = try #require(beforeKill.last?.id)

            let second = try await RealtimeClient.connect(transport, baseURL: cluster.b, token: token, lastEventID: last)
            defer { Task { await second.close() } }
            // Keep emitting a while after the reconnect, so it resumes into a live stream.
            _ = await second.recorder.wait(timeout: .seconds(20)) { $0.count >= 20 }
            progress.finish()
            let emitted = try await emitter.value
            #expect(killedWhileEmitting, "the emitter had finished before the kill")

            let expected = try await Self.expectedIDs(cluster, userID: customer, role: .customer, after: start)
            #expect(expected.count == emitted)
            _ = await second.recorder.wait(timeout: .seconds(30)) { beforeKill.count + $0.count >= expected.count }
            try await Task.sleep(for: .seconds(1))  // room for a duplicate to show up
            let received = beforeKill.map(\.id) + second.events.map(\.id)
            Self.expectExactlyOnceInOrder(received, expected, "\(transport)")
            let numbers = (beforeKill + second.events).compactMap { $0.object["n"] as? Int }
            #expect(numbers == Array(0..<numbers.count), "payloads out of order")
            #expect(first.recorder.malformed.isEmpty && second.recorder.malformed.isEmpty)
            #expect(first.events.count >= 40 && second.events.count > 0, "both nodes took part")
            await first.close()
            await second.close()
        }
    }

    @Test("terminating the nodes' LISTEN connections while events flow loses and duplicates nothing")
    func listenerTerminated() async throws {
        let superuser = try TestDatabases.superuserURL
        try await Self.withCluster { cluster in
            let admin = superuser.with(database: cluster.url.database)
            // Only this test's database: other tests' nodes listen on the same server.
            let listeners = "FROM pg_stat_activity WHERE application_name = 'switchboard-listener' AND datname = current_database()"
            func listenerCount() async throws -> Int {
                try await TestDatabases.scalar("SELECT count(*)::int \(listeners)", on: admin) ?? -1
            }
            func terminateListeners() async throws -> Int {
                try await TestDatabases.scalar(
                    "SELECT count(*)::int FROM (SELECT pg_terminate_backend(pid) AS ok \(listeners)) t WHERE ok", on: admin) ?? -1
            }
            func waitForListeners(_ count: Int) async throws -> Bool {
                let deadline = ContinuousClock.now + .seconds(15)
                while ContinuousClock.now < deadline {
                    if try await listenerCount() == count { return true }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return false
            }
            let listening = try await waitForListeners(2)
            let initialListeners = try await listenerCount()
            try #require(listening, "expected one LISTEN connection per node, got \(initialListeners)")

            let customer = cluster.id(.customer)
            let token = try await Self.login(cluster.a, cluster.tenant, .customer)
            let start = try await Self.emit(cluster, type: "test.start", audience: .user(customer), payload: "{}")
            let onA = try await RealtimeClient.connect(.webSocket, baseURL: cluster.a, token: token, lastEventID: start)
            defer { Task { await onA.close() } }
            let onB = try await RealtimeClient.connect(.serverSentEvents, baseURL: cluster.b, token: token, lastEventID: start)
            defer { Task { await onB.close() } }

            let progress = Progress()
            let emitter = Self.emitContinuously(cluster, audience: .user(customer), minimum: 200) { !progress.done }

            // act: cut both nodes' LISTEN connections twice while events flow
            for round in 1...2 {
                let flowing = await onA.recorder.wait(timeout: .seconds(30)) { $0.count >= 40 * round }
                try #require(flowing, "round \(round): only \(onA.events.count) events arrived on A")
                #expect(try await terminateListeners() == 2, "round \(round): expected to terminate 2 listeners")
                #expect(try await waitForListeners(2), "round \(round): the nodes did not LISTEN again")
            }
            _ = await onA.recorder.wait(timeout: .seconds(20)) { $0.count >= 120 }
            progress.finish()
            let emitted = try await emitter.value

            let expected = try await Self.expectedIDs(cluster, userID: customer, role: .customer, after: start)
            #expect(expected.count == emitted)
            _ = await onA.recorder.wait(timeout: .seconds(30)) { $0.count >= expected.count }
            _ = await onB.recorder.wait(timeout: .seconds(30)) { $0.count >= expected.count }
            try await Task.sleep(for: .seconds(1))
            Self.expectExactlyOnceInOrder(onA.events.map(\.id), expected, "WebSocket on node A")
            Self.expectExactlyOnceInOrder(onB.events.map(\.id), expected, "SSE on node B")
            #expect(!onA.recorder.ended && !onB.recorder.ended, "a client was disconnected by a LISTEN failure")

            // Notifications work again after the reconnect (not only the safety poll):
            // a fresh event arrives on both.
            let after = try await Self.emit(cluster, audience: .user(customer), payload: #"{"n":-1}"#)
            #expect(await onA.recorder.wait(timeout: .seconds(15)) { $0.last?.id == after })
            #expect(await onB.recorder.wait(timeout: .seconds(15)) { $0.last?.id == after })
            await onA.close()
            await onB.close()
        }
    }

    @Test("presence spans nodes, and a killed node's agent becomes unreachable within the node timeout")
    func presenceAcrossNodes() async throws {
        let timeout = 4
        try await Self.withCluster(nodeTimeoutSeconds: timeout) { cluster in
            let agentID = cluster.id(.agent)
            let ownerToken = try await Self.login(cluster.b, cluster.tenant, .owner)
            let agentToken = try await Self.login(cluster.a, cluster.tenant, .agent)
            @Sendable func isAgentChange(_ event: ReceivedEvent, reachable: Bool) -> Bool {
                event.type == "presence.changed" && (event.object["userId"] as? String).flatMap(UUID.init(uuidString:)) == agentID
                    && event.object["reachable"] as? Bool == reachable
            }
            func presenceChanged(_ reachable: Bool) -> @Sendable ([ReceivedEvent]) -> Bool {
                { events in events.contains { isAgentChange($0, reachable: reachable) } }
            }

            let owner = try await RealtimeClient.connect(.webSocket, baseURL: cluster.b, token: ownerToken)
            defer { Task { await owner.close() } }
            // Wait until the owner's socket is registered (its own presence event arrives).
            let ownerLive = await owner.recorder.wait(timeout: .seconds(20)) { events in
                events.contains {
                    $0.type == "presence.changed" && ($0.object["userId"] as? String).flatMap(UUID.init(uuidString:)) == cluster.id(.owner)
                }
            }
            try #require(ownerLive, "the owner never saw its own presence: \(owner.events)")
            #expect(try await Self.reachable(agentID, on: cluster.b, token: ownerToken) == false, "the agent is not connected yet")

            // act: the agent connects to node A
            let agent = try await RealtimeClient.connect(.webSocket, baseURL: cluster.a, token: agentToken)
            defer { Task { await agent.close() } }
            #expect(await owner.recorder.wait(timeout: .seconds(20), until: presenceChanged(true)), "no reachable presence.changed on B")
            #expect(try await Self.reachable(agentID, on: cluster.b, token: ownerToken), "node B does not see the agent on node A")

            // act: node A dies without saying goodbye
            cluster.nodeA.signal(SIGKILL)
            let killed = ContinuousClock.now
            var unreachableAfter: Duration?
            while ContinuousClock.now - killed < .seconds(timeout * 3) {
                if try await !Self.reachable(agentID, on: cluster.b, token: ownerToken) {
                    unreachableAfter = ContinuousClock.now - killed
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let listed = try #require(
                unreachableAfter, "GET /v1/presence on B still lists the agent reachable \(timeout * 3) s after the kill")
            // The node's last heartbeat is at most timeout/4 old at the kill.
            #expect(listed <= .seconds(timeout) + .seconds(2), "unreachable only after \(listed)")

            let announced = await owner.recorder.wait(timeout: .seconds(timeout + 1 + 15), until: presenceChanged(false))
            #expect(announced, "node B's staff client got no presence.changed reachable:false: \(owner.events)")
            let announcedAfter = ContinuousClock.now - killed
            // The sweep runs every timeout/4: the event is written within timeout + one sweep
            // (delivery may then wait for the transaction horizon).
            #expect(announcedAfter < .seconds(timeout + 1 + 15), "announced after \(announcedAfter)")
            let changes = owner.events.filter { isAgentChange($0, reachable: false) }
            #expect(changes.count == 1, "presence.changed reachable:false for the agent \(changes.count) times")
            #expect(owner.recorder.ended == false, "node B's client was disconnected")
            await owner.close()
            await agent.close()
        }
    }

    // KNOWN BUG (WebSocket case fails): a WebSocket gets close code 1000, not 1001, on
    // SIGTERM. swift-websocket's WebSocketHandler.handle (WSCore/WebSocketHandler.swift,
    // `onGracefulShutdown: { Task { try? await self.close(code: .normalClosure) } }`)
    // races the app's own graceful-shutdown handler in RealtimeController.serveWebSocket
    // and its 1000 close frame goes out first. See the report for a suggested fix.
    @Test(
        "SIGTERM ends real-time connections with 1001, exits 0, frees presence at once, and clients resume on the other node",
        arguments: RealtimeClient.Transport.allCases)
    func gracefulShutdown(_ transport: RealtimeClient.Transport) async throws {
        try await Self.withCluster { cluster in
            let customer = cluster.id(.customer)
            let agentID = cluster.id(.agent)
            let token = try await Self.login(cluster.a, cluster.tenant, .customer)
            let agentToken = try await Self.login(cluster.a, cluster.tenant, .agent)
            let ownerToken = try await Self.login(cluster.b, cluster.tenant, .owner)
            let start = try await Self.emit(cluster, type: "test.start", audience: .user(customer), payload: "{}")
            let client = try await RealtimeClient.connect(transport, baseURL: cluster.a, token: token, lastEventID: start)
            defer { Task { await client.close() } }
            let agent = try await RealtimeClient.connect(transport, baseURL: cluster.a, token: agentToken)
            defer { Task { await agent.close() } }

            let live = try await Self.emit(cluster, audience: .user(customer), payload: #"{"n":0}"#)
            #expect(await client.recorder.waitForEvents(1, timeout: .seconds(20)).map(\.id) == [live])
            var agentReachable = false
            let deadline = ContinuousClock.now + .seconds(15)
            while !agentReachable && ContinuousClock.now < deadline {
                agentReachable = try await Self.reachable(agentID, on: cluster.b, token: ownerToken)
                if !agentReachable { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(agentReachable, "the agent on node A is not reachable from node B")

            // act
            cluster.nodeA.signal(SIGTERM)
            #expect(await client.recorder.waitForEnd(timeout: .seconds(15)), "the \(transport) connection stayed open")
            #expect(
                client.recorder.closeCode == 1001,
                "\(transport) close code \(String(describing: client.recorder.closeCode)), reason \(String(describing: client.recorder.closeReason))"
            )
            #expect(await agent.recorder.waitForEnd(timeout: .seconds(15)))
            #expect(agent.recorder.closeCode == 1001, "agent's \(transport) close code \(String(describing: agent.recorder.closeCode))")
            let status = try await cluster.nodeA.waitForExit(timeout: .seconds(20))
            #expect(status == 0, "exit status \(String(describing: status)): \(cluster.nodeA.printed.suffix(3000))")

            // A graceful stop removes the node at once (default node timeout: 20 s).
            #expect(
                try await Self.reachable(agentID, on: cluster.b, token: ownerToken) == false,
                "the agent still looks reachable after node A shut down gracefully")

            // The client resumes on node B from its last id, missing and repeating nothing.
            let next = try await Self.emit(cluster, audience: .user(customer), payload: #"{"n":1}"#)
            let again = try await RealtimeClient.connect(transport, baseURL: cluster.b, token: token, lastEventID: client.events.last?.id)
            defer { Task { await again.close() } }
            let later = try await Self.emit(cluster, audience: .user(customer), payload: #"{"n":2}"#)
            _ = await again.recorder.waitForEvents(2, timeout: .seconds(20))
            try await Task.sleep(for: .milliseconds(500))
            let expected = try await Self.expectedIDs(cluster, userID: customer, role: .customer, after: start)
            #expect(expected == [live, next, later])
            Self.expectExactlyOnceInOrder((client.events + again.events).map(\.id), expected, "\(transport)")
            await again.close()
            await client.close()
            await agent.close()
        }
    }

    // KNOWN BUG (fails when the txids straddle a power of ten): OutboxReader selects
    // `txid::text` and then says `ORDER BY txid, id` (and `ORDER BY txid DESC` in
    // newestPosition). In PostgreSQL a bare ORDER BY name matching an output column
    // sorts by that output column, i.e. by the text: "10000" < "9999". A batch or replay
    // page spanning 9999 -> 10000 comes back out of order, and the fan-out/replay
    // cursor (the batch's last row) moves backwards, so events are re-read and sent twice.
    @Test("replay and live delivery stay in order when transaction ids cross a power of ten")
    func transactionIDDigitBoundary() async throws {
        try await Self.withCluster { cluster in
            let customer = cluster.id(.customer)
            let token = try await Self.login(cluster.a, cluster.tenant, .customer)
            let start = try await Self.emit(cluster, type: "test.start", audience: .user(customer), payload: "{}")
            let live = try await RealtimeClient.connect(.webSocket, baseURL: cluster.a, token: token, lastEventID: start)
            defer { Task { await live.close() } }

            // setup: advance the cluster's transaction counter to just below the next power of ten
            let current = try #require(EventPosition(start)).transactionID
            var boundary: UInt64 = 10
            while boundary <= current + 20 { boundary *= 10 }
            try #require(boundary - current <= 2_000_000, "txid \(current) is too far from \(boundary) to burn through")
            try await Self.burnTransactionIDs(cluster, until: boundary - 6)

            // An open transaction with an older id holds the horizon, so node A's fan-out
            // reads all the events below in one batch once it ends (as after any slow
            // transaction in production).
            let (held, heldGo) = AsyncStream<Void>.makeStream()
            let (release, releaseGo) = AsyncStream<Void>.makeStream()
            let tenantID = cluster.tenant.id
            let blocker = Task {
                try await cluster.database.withTenant(tenantID, logger: Self.logger) { connection in
                    try await connection.query("SELECT pg_current_xact_id()", logger: Self.logger)
                    heldGo.yield()
                    for await _ in release { break }
                }
            }
            for await _ in held { break }

            // act: emit events, one transaction each, until a few are past the boundary
            var emitted: [EventPosition] = []
            do {
                while emitted.count < 200, (emitted.last?.transactionID ?? 0) < boundary + 4 {
                    let id = try await Self.emit(cluster, audience: .user(customer), payload: #"{"n":\#(emitted.count)}"#)
                    emitted.append(try #require(EventPosition(id)))
                }
            } catch {
                releaseGo.yield()
                throw error
            }
            releaseGo.yield()
            try await blocker.value
            try #require(
                emitted.contains { $0.transactionID < boundary } && emitted.contains { $0.transactionID >= boundary },
                "the events do not straddle \(boundary): \(emitted)")

            let expected = try await Self.expectedIDs(cluster, userID: customer, role: .customer, after: start)
            #expect(expected == emitted.map(\.description))
            // A client resuming from the start on the other node replays them all in one page.
            let replayed = try await RealtimeClient.connect(.serverSentEvents, baseURL: cluster.b, token: token, lastEventID: start)
            defer { Task { await replayed.close() } }
            _ = await replayed.recorder.wait(timeout: .seconds(20)) { $0.count >= expected.count }
            _ = await live.recorder.wait(timeout: .seconds(20)) { $0.count >= expected.count }
            try await Task.sleep(for: .seconds(1))
            Self.expectExactlyOnceInOrder(replayed.events.map(\.id), expected, "replay across \(boundary) on node B")
            Self.expectExactlyOnceInOrder(live.events.map(\.id), expected, "live delivery across \(boundary) on node A")
            await replayed.close()
            await live.close()
        }
    }

    /// Consumes transaction ids until the next one is at least `target`: each
    /// subtransaction that writes takes one, 1000 per statement so no transaction
    /// stays open long (delivery everywhere waits for the oldest open transaction).
    static func burnTransactionIDs(_ cluster: Cluster, until target: UInt64) async throws {
        try await cluster.database.withUnscopedConnection(logger: logger) { connection in
            try await connection.query("CREATE TEMP TABLE IF NOT EXISTS xid_burn (x int)", logger: logger)
            while true {
                var next: UInt64 = 0
                let rows = try await connection.query("SELECT pg_current_xact_id()::text", logger: logger)
                for try await text in rows.decode(String.self) { next = UInt64(text) ?? 0 }
                guard next + 1 < target else { return }
                let count = min(1000, Int(target - next - 1))
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: """
                            DO $$ BEGIN
                              FOR i IN 1..\(count) LOOP
                                BEGIN INSERT INTO xid_burn VALUES (i); EXCEPTION WHEN OTHERS THEN NULL; END;
                              END LOOP;
                              DELETE FROM xid_burn;
                            END $$
                            """),
                    logger: logger
                )
            }
        }
    }
}
