import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// `loadgen calls`: call set-up against one or more nodes. Connects every agent's
/// WebSocket (`GET /v1/realtime?access_token=...`, agent i on node i mod nodes), waits
/// until the server counts them all as available, runs a short warm-up, then one step per
/// rate in `--rates` (customers POST `/v1/calls` `{agentId}` spread over the nodes in turn;
/// see `CallDriver` for what is timed and how agents are freed), each followed by the
/// bare route at the same rate (`BareRoute`, the run's own baseline), and prints the
/// figures as JSON. One event loop thread does all of it.
struct CallsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls", abstract: "Call set-up benchmark: POST /v1/calls to call.ringing (ops/bench calls).")

    @Option(name: .customLong("node"), help: "A node as host:port; repeat for each. POSTs go to the nodes in turn.")
    var nodes: [String]
    @Option(name: .customLong("node-pid"), help: "Each node's PID, in --node order, for CPU readings.")
    var nodePIDs: [Int32] = []
    @Option(help: "The postmaster's PID, for PostgreSQL's CPU time.") var postgresPID: Int32?
    @Option(help: "The LiveKit stand-in's PID, for its CPU time.") var livekitPID: Int32?
    @Option(help: "The LiveKit stand-in as host:port, to read how many rooms it served.") var livekit: String?
    @Option(help: "File of 'userId accessToken' lines: the agents to ring.") var agents: String
    @Option(help: "File of 'userId accessToken' lines: the customers who call.") var customers: String
    @Option(help: "Call set-ups per second to offer, one step each, comma separated.") var rates = "200"
    @Option(help: "Seconds per step.") var duration = 20.0
    @Option(help: "Set-ups per second of the warm-up before the steps (not reported as a step).") var warmupRate = 50.0
    @Option(help: "Seconds of warm-up (0: none).") var warmupDuration = 3.0
    @Option(help: "Most keep-alive HTTP connections per node, for customers and again for agents.") var connectionsPerNode = 64
    @Option(help: "Seconds to wait after the last call of a step for its ringing and declines.") var drain = 15.0
    @Option(help: "Most seconds to wait after a step for the server to answer what is left.") var settle = 90.0
    @Option(help: "Label stored in the report.") var label = "calls"
    @Option(help: "Write the JSON report here (also printed).") var out: String?

    func run() async throws {
        let targets: [(host: String, port: Int)] = try nodes.map(Self.hostPort)
        let agentUsers = try Self.users(agents)
        let customerUsers = try Self.users(customers)
        guard !agentUsers.isEmpty, !customerUsers.isEmpty else { throw ValidationError("no agents or no customers") }
        let stepRates = rates.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let meter = CPUMeter(nodePIDs: nodePIDs, postgresPID: postgresPID, livekitPID: livekitPID)
        let roster = agentUsers.enumerated().map { BenchAgent(id: $1.id, token: $1.token, node: $0 % targets.count) }
        let pools = targets.map { HTTPPool(loop: loop, host: $0.host, port: $0.port, limit: connectionsPerNode) }
        let agentPools = targets.map { HTTPPool(loop: loop, host: $0.host, port: $0.port, limit: connectionsPerNode) }
        let driver = CallDriver(loop: loop, agents: roster, customers: customerUsers, pools: pools, agentPools: agentPools)
        let bareDrivers = targets.map { target in
            let pool = SourcedHTTPPool(loop: loop, host: target.host, port: target.port, limit: connectionsPerNode, sources: 1)
            return WebhookDriver(loop: loop, pool: pool, path: BareRoute.path, flavor: BareRoute(), agents: 0)
        }
        let recorder = LoopRecorder(loop: loop, nodes: targets.count)
        var report: [String: Any] = [
            "label": label, "nodes": targets.count, "agents": roster.count, "customers": customerUsers.count,
            "agents_per_node": targets.indices.map { n in roster.filter { $0.node == n }.count },
            "loadgen_threads": 1, "connections_per_node": connectionsPerNode,
        ]

        for pool in pools + agentPools { try await loop.flatSubmit { pool.warm(16) }.get() }

        // Agents: one WebSocket each, 50 opening at a time.
        var sockets: [Channel] = []
        let connectStart = monoSeconds()
        for batch in stride(from: 0, to: roster.count, by: 50) {
            let opening = (batch..<min(batch + 50, roster.count)).map { i in
                Self.connect(agent: i, roster[i], to: targets[roster[i].node], on: loop, recorder: recorder, driver: driver)
            }
            sockets += try await EventLoopFuture.whenAllSucceed(opening, on: loop).get()
        }
        let connected = monoSeconds() - connectStart
        let available = try await Self.waitUntilAvailable(roster.count, pool: pools[0], token: customerUsers[0].token)
        report["connect"] = ["agents": sockets.count, "seconds": connected, "all_available_after_seconds": available]
        log("\(sockets.count) agents connected in \(String(format: "%.1f", connected)) s; all available after \(String(format: "%.1f", available)) s")

        func step(_ name: String, rate: Double, seconds: Double) async throws -> [String: Any] {
            let cpuStart = meter.read()
            try await loop.submit { driver.start(label: name, rate: rate, duration: seconds, nodes: Array(targets.indices)) }.get()
            var drainDeadline: Double?
            while true {
                try await Task.sleep(for: .milliseconds(100))
                let (sending, outstanding) = try await loop.submit { driver.busy() }.get()
                if sending { continue }
                if outstanding == 0 { break }
                if drainDeadline == nil { drainDeadline = monoSeconds() + drain }
                if monoSeconds() > drainDeadline! { break }
            }
            let cpuEnd = meter.read()
            var result = try await loop.flatSubmit { driver.finish() }.get()
            result["cpu"] = meter.use(from: cpuStart, to: cpuEnd)
            log("step: \(result)")
            return result
        }

        // The bare route (no authentication, no database) at the step's rate, shared over
        // the nodes as the POSTs were, once the step has settled: what this machine gives
        // a request that does nothing, per node, at that moment.
        func bareBaseline(rate: Double, seconds: Double) async throws -> [[String: Any]] {
            let start = monoSeconds()
            try await loop.submit {
                for bare in bareDrivers { _ = bare.start(label: "bare", rate: rate / Double(bareDrivers.count), duration: seconds) }
            }.get()
            while true {
                try await Task.sleep(for: .milliseconds(100))
                let busy = try await loop.submit { bareDrivers.map { $0.busy() } }.get()
                if !busy.contains(where: { $0.sending || $0.inFlight > 0 }) { break }
                if !busy.contains(where: \.sending), monoSeconds() - start > seconds + 60 { break }
            }
            let kept: Set = ["ack_from_due_ms", "acks_per_second", "errors"]
            return try await loop.submit { bareDrivers.map { $0.report().filter { kept.contains($0.key) } } }.get()
        }

        // After an overloaded step the server is still working through its backlog; the
        // next step starts once it has answered everything (at most `settle` s later), so
        // each step's figures are its own.
        func settleDown() async throws -> Double {
            let start = monoSeconds()
            while try await loop.submit({ driver.backlog() }).get() > 0, monoSeconds() - start < settle {
                try await Task.sleep(for: .milliseconds(200))
            }
            try await Task.sleep(for: .seconds(2))
            return monoSeconds() - start
        }

        if warmupDuration > 0 {
            report["warmup"] = try await step("\(label)-warmup", rate: warmupRate, seconds: warmupDuration)
            _ = try await settleDown()
        }
        // Routing reads every staff member's call state, so the tenant's call history
        // matters: say how many calls this run had made before each step.
        var made = (report["warmup"] as? [String: Any])?["calls_sent"] as? Int ?? 0
        var steps: [[String: Any]] = []
        for (index, rate) in stepRates.enumerated() {
            var result = try await step("\(label)-\(index)-\(Int(rate))", rate: rate, seconds: duration)
            result["calls_made_before_step"] = made
            made += result["calls_sent"] as? Int ?? 0
            result["settle_seconds_after"] = try await settleDown()
            result["bare"] = try await bareBaseline(rate: rate, seconds: min(duration, 10))
            steps.append(result)
        }
        report["steps"] = steps
        report["closes_during_run"] = try await loop.submit { recorder.closes }.get()
        if let livekit {
            let (host, port) = try Self.hostPort(livekit)
            let stats = try await HTTPConnection.connect(on: loop, host: host, port: port)
                .flatMap { $0.send(HTTPRequest(method: .GET, path: "/stats", headers: [], body: nil)) }.get()
            report["livekit_requests"] = try? JSONSerialization.jsonObject(with: Data(stats.body.readableBytesView))
        }

        for socket in sockets { socket.close(promise: nil) }
        try await loop.submit {
            for pool in pools + agentPools { pool.close() }
            for bare in bareDrivers { bare.pool.close() }
        }.get()
        try? await Task.sleep(for: .milliseconds(500))
        try? await group.shutdownGracefully()

        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        if let out { try data.write(to: URL(fileURLWithPath: out)) }
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// Opens agent `index`'s WebSocket; its `call.ringing` events go to `driver`.
    static func connect(
        agent index: Int, _ agent: BenchAgent, to target: (host: String, port: Int), on loop: EventLoop,
        recorder: LoopRecorder, driver: CallDriver
    ) -> EventLoopFuture<Channel> {
        // The token as a query parameter, as browsers send it (they cannot set headers).
        let request = "GET /v1/realtime?access_token=\(agent.token) HTTP/1.1\r\nHost: \(target.host):\(target.port)\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n"
        let admitted = loop.makePromise(of: Void.self)
        return ClientBootstrap(group: loop)
            .connectTimeout(.seconds(15))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let client = HubClient(
                        transport: .websocket, node: UInt8(agent.node), request: request, recorder: recorder, admitted: admitted)
                    client.onMessage = { message, at in
                        if let callID = ringingCallID(message) { driver.ringing(agent: index, callID: callID, at: at) }
                    }
                    try channel.pipeline.syncOperations.addHandler(client)
                }
            }
            .connect(host: target.host, port: target.port)
            .flatMapError { error in
                admitted.fail(error)
                return loop.makeFailedFuture(error)
            }
            .flatMap { channel in admitted.futureResult.map { channel } }
    }

    /// Polls `GET /v1/agents/available` (as a customer: reachable, available agents) until
    /// it lists `count`; returns the seconds it took.
    static func waitUntilAvailable(_ count: Int, pool: HTTPPool, token: String) async throws -> Double {
        let start = monoSeconds()
        var seen = -1
        while monoSeconds() - start < 120 {
            let answer = try await pool.loop.flatSubmit {
                pool.send(HTTPRequest(
                    method: .GET, path: "/v1/agents/available", headers: [("Authorization", "Bearer \(token)")], body: nil))
            }.get()
            let object = (try? JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView))) as? [String: Any]
            seen = (object?["items"] as? [Any])?.count ?? -1
            if seen >= count { return monoSeconds() - start }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw ValidationError("only \(seen) of \(count) agents became available within 120 s")
    }

    static func users(_ path: String) throws -> [(id: UUID, token: String)] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let id = UUID(uuidString: String(parts[0])) else { return nil }
            return (id, String(parts[1]))
        }
    }

    static func hostPort(_ text: String) throws -> (host: String, port: Int) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("expected host:port, got \(text)") }
        return (String(parts[0]), port)
    }
}

/// The call id of a `call.ringing` event, or nil for any other message. Staff also get
/// `presence.changed` (many, while agents connect), so a substring test comes first.
func ringingCallID(_ message: ByteBuffer) -> UUID? {
    let text = String(buffer: message)
    guard text.contains("\"call.ringing\""),
          let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
          object["type"] as? String == "call.ringing",
          let data = object["data"] as? [String: Any], let id = data["callId"] as? String
    else { return nil }
    return UUID(uuidString: id)
}
