import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// Drives the real-time hub: opens many SSE or WebSocket clients from several loopback
/// source addresses, publishes events through SQL the way the server does, and reports
/// memory per connection, commit-to-receipt latency, one-to-all fan-out time and
/// sustained deliveries per node as JSON. The default subcommand (`loadgen --node ...`).
struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "Load generator for Switchboard's real-time hub (ops/bench realtime)."
    )

    @Option(name: .customLong("node"), help: "A node as host:port; repeat for each node. Clients are spread evenly.")
    var nodes: [String]
    @Option(name: .customLong("node-pid"), help: "The PID of each node, in --node order, for RSS and CPU readings.")
    var nodePIDs: [Int32] = []
    @Option(name: .customLong("postgres-pid"), help: "The postmaster's PID, for PostgreSQL's CPU time.")
    var postgresPID: Int32?
    @Option(help: "File of 'userId accessToken' lines, one per user; clients take users round-robin.")
    var tokens: String
    @Option(help: "The tenant all the users belong to.")
    var tenant: String
    @Option(help: "The role every client's user has (the broadcast audience).")
    var role = "customer"
    @Option(help: "Clients to open in all.") var clients = 5000
    @Option(help: "Source addresses 127.0.0.2 ... 127.0.0.(1+N).") var sources = 4
    @Option(help: "sse or websocket.") var transport = "sse"
    @Option(help: "Event-loop threads for the clients.") var threads = 2
    @Option(help: "Publisher connections to PostgreSQL (DATABASE_URL).") var publishers = 16
    @Option(help: "Connection attempts in flight at once.") var connectConcurrency = 200
    @Option(help: "Seconds to let idle connections settle before reading RSS (and their idle CPU).") var settle = 10.0
    @Option(help: "Scenarios, comma separated: idle, latency, fanout, throughput.") var scenarios = "idle,latency,fanout,throughput"
    @Option(help: "Events per second in the latency scenario (each to one user).") var latencyRate = 1000.0
    @Option(help: "Seconds of the latency scenario.") var latencyDuration = 20.0
    @Option(help: "Events in the fan-out scenario (each to every client).") var fanoutEvents = 20
    @Option(help: "Seconds between fan-out events.") var fanoutInterval = 1.0
    @Option(help: "Broadcast events per second to try in the throughput scenario, comma separated.")
    var throughputRates = "4,8,12,16,24"
    @Option(help: "Seconds per throughput step.") var throughputDuration = 10.0
    @Option(help: "Label stored in the report.") var label = "run"
    @Option(help: "Write the JSON report here (also printed).") var out: String?

    mutating func run() async throws {
        guard let transport = Transport(rawValue: transport) else { throw ValidationError("--transport is sse or websocket") }
        guard let tenantID = UUID(uuidString: tenant) else { throw ValidationError("--tenant must be a UUID") }
        guard let databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"] else {
            throw ValidationError("DATABASE_URL must name the application's database role")
        }
        let users: [(id: UUID, token: String)] = try String(contentsOfFile: tokens, encoding: .utf8)
            .split(separator: "\n").compactMap { line in
                let parts = line.split(separator: " ")
                guard parts.count == 2, let id = UUID(uuidString: String(parts[0])) else { return nil }
                return (id, String(parts[1]))
            }
        guard !users.isEmpty else { throw ValidationError("no tokens in \(tokens)") }
        let targets: [(host: String, port: Int)] = try nodes.map { node in
            let parts = node.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--node is host:port") }
            return (String(parts[0]), port)
        }
        let wanted = Set(scenarios.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })

        let driver = Driver(
            transport: transport, targets: targets, nodePIDs: nodePIDs, postgresPID: postgresPID, users: users,
            tenantID: tenantID, role: role, clients: clients, sources: sources, threads: threads,
            connectConcurrency: connectConcurrency
        )
        var report: [String: Any] = [
            "label": label, "transport": transport.rawValue, "nodes": nodes.count, "clients_requested": clients,
            "users": users.count, "source_addresses": (0..<max(1, sources)).map { "127.0.0.\(2 + $0)" },
            "loadgen_threads": threads, "publisher_connections": publishers,
        ]
        try await driver.publisher.connect(url: databaseURL, count: publishers)
        let before = driver.rss()
        log("RSS before connecting: \(before.map { $0.map { "\($0 / 1024) KiB" } ?? "?" })")

        report["connect"] = try await driver.connectAll()
        guard driver.connectedPerNode.reduce(0, +) > 0 else {
            await driver.shutdown()
            throw ValidationError("no client was admitted (expired tokens?); see the failures above")
        }
        report["registration"] = try await driver.warmUp()

        if wanted.contains("idle") {
            let cpuStart = driver.cpu()
            try await Task.sleep(for: .seconds(settle))
            let idleCPU = driver.cpuUse(from: cpuStart, to: driver.cpu())
            let after = driver.rss()
            var perNode: [[String: Any]] = []
            for n in targets.indices {
                var entry: [String: Any] = ["node": n, "connections": driver.connectedPerNode[n]]
                if let b = before[n], let a = after[n] {
                    entry["rss_before_bytes"] = b
                    entry["rss_after_bytes"] = a
                    if driver.connectedPerNode[n] > 0 {
                        entry["rss_per_connection_bytes"] = (a - b) / driver.connectedPerNode[n]
                    }
                }
                perNode.append(entry)
            }
            report["idle"] = ["settle_seconds": settle, "per_node": perNode, "cpu": idleCPU]
            log("idle: \(perNode)")
        }
        if wanted.contains("latency") {
            report["latency"] = try await driver.latency(rate: latencyRate, duration: latencyDuration)
        }
        if wanted.contains("fanout") {
            report["fanout"] = try await driver.fanOut(events: fanoutEvents, interval: fanoutInterval)
        }
        if wanted.contains("throughput") {
            let rates = throughputRates.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            report["throughput"] = try await driver.throughput(rates: rates, duration: throughputDuration)
        }
        report["rss_end_bytes"] = driver.rss().map { $0 ?? 0 }
        report["closes_during_run"] = try await driver.closes()
        report["publisher_errors"] = try await driver.publisherErrors()
        await driver.shutdown()

        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        if let out { try data.write(to: URL(fileURLWithPath: out)) }
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}

func log(_ message: String) {
    FileHandle.standardError.write(Data("[loadgen] \(message)\n".utf8))
}

/// Owns the clients, the recorders and the publisher for one run.
final class Driver: @unchecked Sendable {
    let transport: Transport
    let targets: [(host: String, port: Int)]
    let nodePIDs: [Int32]
    let postgresPID: Int32?
    let users: [(id: UUID, token: String)]
    let role: String
    let clients: Int
    let sources: Int
    let connectConcurrency: Int
    let group: MultiThreadedEventLoopGroup
    let publisherGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let publisher: Publisher
    let recorders: [ObjectIdentifier: LoopRecorder]

    /// Per client index: its channel once admitted.
    private var channels: [Channel] = []
    /// Admitted clients per node, and per user per node.
    private(set) var connectedPerNode: [Int]
    private var perUserNode: [[Int]]

    init(
        transport: Transport, targets: [(host: String, port: Int)], nodePIDs: [Int32], postgresPID: Int32?,
        users: [(id: UUID, token: String)], tenantID: UUID, role: String, clients: Int, sources: Int, threads: Int,
        connectConcurrency: Int
    ) {
        self.transport = transport
        self.targets = targets
        self.nodePIDs = nodePIDs
        self.postgresPID = postgresPID
        self.users = users
        self.role = role
        self.clients = clients
        self.sources = max(1, sources)
        self.connectConcurrency = connectConcurrency
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        self.publisher = Publisher(loop: publisherGroup.next(), tenantID: tenantID)
        var recorders: [ObjectIdentifier: LoopRecorder] = [:]
        for loop in group.makeIterator() {
            recorders[ObjectIdentifier(loop as AnyObject)] = LoopRecorder(loop: loop, nodes: targets.count)
        }
        self.recorders = recorders
        self.connectedPerNode = Array(repeating: 0, count: targets.count)
        self.perUserNode = Array(repeating: Array(repeating: 0, count: targets.count), count: users.count)
    }

    func rss() -> [Int?] { nodePIDs.map { Proc.rss($0) } }

    // MARK: Connecting

    /// Client i belongs to user i % users and node (i / users) % nodes, so every user
    /// has the same number of clients on each node; source addresses rotate.
    func assignment(_ i: Int) -> (user: Int, node: Int, source: String) {
        (i % users.count, (i / users.count) % targets.count, "127.0.0.\(2 + i % sources)")
    }

    func connectAll() async throws -> [String: Any] {
        let start = monoSeconds()
        var failures: [String: Int] = [:]
        var retries = 0
        var established: [(Int, Channel)] = []
        var pending = Array((0..<clients).reversed())
        var attempts = [Int](repeating: 0, count: clients)
        while !pending.isEmpty {
            var failedNow: [Int] = []
            await withTaskGroup(of: (Int, Result<Channel, Error>).self) { group in
                var inFlight = 0
                func launch() {
                    guard let i = pending.popLast() else { return }
                    attempts[i] += 1
                    inFlight += 1
                    group.addTask { (i, await self.connect(i)) }
                }
                for _ in 0..<connectConcurrency { launch() }
                while inFlight > 0, let (i, result) = await group.next() {
                    inFlight -= 1
                    switch result {
                    case .success(let channel): established.append((i, channel))
                    case .failure(let error):
                        failures["\(error)", default: 0] += 1
                        if attempts[i] < 3 { failedNow.append(i) }
                    }
                    launch()
                }
            }
            if !failedNow.isEmpty {
                retries += failedNow.count
                log("\(failedNow.count) connections failed; retrying in 1 s")
                try await Task.sleep(for: .seconds(1))
                pending = failedNow.reversed()
            }
        }
        let elapsed = monoSeconds() - start
        for (i, channel) in established.sorted(by: { $0.0 < $1.0 }) {
            let a = assignment(i)
            connectedPerNode[a.node] += 1
            perUserNode[a.user][a.node] += 1
            channels.append(channel)
        }
        log("connected \(established.count)/\(clients) in \(String(format: "%.1f", elapsed)) s; per node \(connectedPerNode); failures \(failures)")
        return [
            "connected": established.count, "per_node": connectedPerNode, "seconds": elapsed,
            "per_second": Double(established.count) / max(elapsed, 1e-9), "failed_attempts": failures, "retries": retries,
        ]
    }

    private func connect(_ i: Int) async -> Result<Channel, Error> {
        let a = assignment(i)
        let target = targets[a.node]
        let loop = group.next()
        let recorder = recorders[ObjectIdentifier(loop as AnyObject)]!
        let admitted = loop.makePromise(of: Void.self)
        let token = users[a.user].token
        let host = "\(target.host):\(target.port)"
        let request: String
        switch transport {
        case .sse:
            request = "GET /v1/realtime/sse HTTP/1.1\r\nHost: \(host)\r\nAuthorization: Bearer \(token)\r\n"
                + "Accept: text/event-stream\r\n\r\n"
        case .websocket:
            request = "GET /v1/realtime HTTP/1.1\r\nHost: \(host)\r\nAuthorization: Bearer \(token)\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n"
        }
        let transport = self.transport
        let node = UInt8(a.node)
        do {
            let source = try SocketAddress(ipAddress: a.source, port: 0)
            let channel = try await ClientBootstrap(group: loop)
                .bind(to: source)
                .connectTimeout(.seconds(15))
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            HubClient(transport: transport, node: node, request: request, recorder: recorder, admitted: admitted))
                    }
                }
                .connect(host: target.host, port: target.port).get()
            let timeout = loop.scheduleTask(in: .seconds(30)) { admitted.fail(AdmissionError(status: -1)) }
            do {
                try await admitted.futureResult.get()
                timeout.cancel()
                return .success(channel)
            } catch {
                timeout.cancel()
                try? await channel.close()
                return .failure(error)
            }
        } catch {
            admitted.fail(error)
            return .failure(ConnectFailure(error: error))
        }
    }

    struct ConnectFailure: Error, CustomStringConvertible {
        let error: Error
        var description: String { "connect: \(error)" }
    }

    // MARK: Recording

    func drainAll() async throws -> LoopRecorder.Snapshot {
        var merged = LoopRecorder.Snapshot(
            seqs: [], times: [], nodes: [], alive: Array(repeating: 0, count: targets.count), closes: [:], bytes: 0)
        for recorder in recorders.values {
            let snapshot = try await recorder.loop.submit { recorder.drain() }.get()
            merged.seqs += snapshot.seqs
            merged.times += snapshot.times
            merged.nodes += snapshot.nodes
            for n in snapshot.alive.indices { merged.alive[n] += snapshot.alive[n] }
            merged.closes.merge(snapshot.closes, uniquingKeysWith: +)
            merged.bytes += snapshot.bytes
        }
        return merged
    }

    func closes() async throws -> [String: Int] { try await drainAll().closes }

    func publisherErrors() async throws -> [String] {
        try await publisher.loop.submit { self.publisher.errors }.get()
    }

    func commitTimes() async throws -> [Int64] {
        try await publisher.loop.submit { self.publisher.commitNs }.get()
    }

    struct CPU {
        var nodes: [Double]
        var postgres: Double
        var loadgen: Double
        var machine: Double
        var softirq: Double
        var at: Double
    }

    func cpu() -> CPU {
        CPU(
            nodes: nodePIDs.map(Proc.cpu), postgres: postgresPID.map(Proc.cpuWithChildren) ?? 0,
            loadgen: Proc.cpu(Proc.selfPID), machine: Proc.machine().busy, softirq: Proc.machine().softirq, at: monoSeconds())
    }

    /// Cores used between two readings.
    func cpuUse(from a: CPU, to b: CPU) -> [String: Any] {
        let wall = max(b.at - a.at, 1e-9)
        func r(_ x: Double) -> Double { (x / wall * 100).rounded() / 100 }
        return [
            "nodes_cores": zip(a.nodes, b.nodes).map { r($1 - $0) }, "postgres_cores": r(b.postgres - a.postgres),
            "loadgen_cores": r(b.loadgen - a.loadgen), "seconds": (wall * 10).rounded() / 10,
            "machine_cores": r(b.machine - a.machine),
            "softirq_cores": r(b.softirq - a.softirq),
            // Whatever else ran on the machine meanwhile (other builds and tests), less
            // the kernel's softirq time (loopback packets of this benchmark, mostly).
            "other_cores": r((b.machine - a.machine) - (b.softirq - a.softirq) - (b.loadgen - a.loadgen)
                - (b.postgres - a.postgres) - zip(a.nodes, b.nodes).reduce(0) { $0 + $1.1 - $1.0 }),
            "load_average_1m": Proc.loadAverage(),
        ]
    }

    // MARK: Scenarios

    /// Broadcasts until every admitted client has heard one event (so each is registered
    /// with its node's hub), at most 15 rounds.
    func warmUp() async throws -> [String: Any] {
        let total = connectedPerNode.reduce(0, +)
        var alive: [Int] = []
        var rounds = 0
        let start = monoSeconds()
        while rounds < 15 {
            rounds += 1
            _ = try await publisher.publish(type: "bench.warmup", count: 1, rate: 1) { [role] _ in .role(role) }
            try await Task.sleep(for: .seconds(1))
            alive = try await drainAll().alive
            if alive.reduce(0, +) >= total { break }
        }
        log("registered (heard a broadcast): \(alive) of \(connectedPerNode) after \(rounds) broadcasts")
        return ["registered_per_node": alive, "broadcasts": rounds, "seconds": monoSeconds() - start]
    }

    /// `rate` events per second, each to one user (users in turn), for `duration` s.
    func latency(rate: Double, duration: Double) async throws -> [String: Any] {
        _ = try await drainAll()
        let count = Int(rate * duration)
        let ids = users.map(\.id)
        let cpuStart = cpu()
        log("latency: \(count) events at \(rate)/s, each to one user's \(clients / max(users.count, 1)) clients")
        let run = try await publisher.publish(type: "bench.latency", count: count, rate: rate) { i in .user(ids[i % ids.count]) }
        let cpuEnd = cpu()
        try await Task.sleep(for: .seconds(3))
        let snapshot = try await drainAll()
        let commits = try await commitTimes()
        var perNode = Array(repeating: [Int64](), count: targets.count)
        var expected = Array(repeating: 0, count: targets.count)
        for i in 0..<count where commits[run.first + i] != 0 {
            for n in targets.indices { expected[n] += perUserNode[i % users.count][n] }
        }
        let sents = try await publisher.loop.submit { self.publisher.sentNs }.get()
        var fromBegin: [Int64] = []
        for k in snapshot.seqs.indices {
            let seq = Int(snapshot.seqs[k])
            guard seq >= run.first, seq < run.first + count, commits[seq] != 0 else { continue }
            perNode[Int(snapshot.nodes[k])].append(snapshot.times[k] - commits[seq])
            fromBegin.append(snapshot.times[k] - sents[seq])
        }
        let all = Distribution(perNode.flatMap { $0 })
        // Which deliveries never arrived (a sample), to look them up in the events table.
        var heard = Set<Int>()
        for k in snapshot.seqs.indices { heard.insert(Int(snapshot.seqs[k]) * 8 + Int(snapshot.nodes[k])) }
        var missing: [[String: Any]] = []
        for i in 0..<count where commits[run.first + i] != 0 {
            for n in targets.indices where perUserNode[i % users.count][n] > 0 && !heard.contains((run.first + i) * 8 + n) {
                if missing.count < 50 { missing.append(["seq": run.first + i, "node": n, "user": users[i % users.count].id.uuidString]) }
            }
        }
        let transactions = Distribution((0..<count).compactMap { i -> Int64? in
            let seq = run.first + i
            return commits[seq] == 0 ? nil : commits[seq] - sents[seq]
        })
        var result: [String: Any] = [
            "missing_sample": missing, "publish_transaction_ms": encode(transactions),
            "begin_to_receipt_ms": encode(Distribution(fromBegin)),
            "events": count, "rate_requested": rate, "rate_achieved": run.achievedRate, "publish_failures": run.failed,
            "deliveries_expected": expected.reduce(0, +), "deliveries_received": all.count,
            "latency_ms": encode(all), "cpu": cpuUse(from: cpuStart, to: cpuEnd),
        ]
        result["per_node"] = targets.indices.map { n -> [String: Any] in
            let d = Distribution(perNode[n])
            return ["node": n, "clients": connectedPerNode[n], "expected": expected[n], "received": d.count, "latency_ms": encode(d)]
        }
        log("latency: \(result)")
        return result
    }

    /// `events` broadcasts, one every `interval` s; for each, how long until the last
    /// (and the first, and the median) client had it.
    func fanOut(events: Int, interval: Double) async throws -> [String: Any] {
        _ = try await drainAll()
        var first = -1
        let cpuStart = cpu()
        for _ in 0..<events {
            let run = try await publisher.publish(type: "bench.fanout", count: 1, rate: 1) { [role] _ in .role(role) }
            if first < 0 { first = run.first }
            try await Task.sleep(for: .seconds(interval))
        }
        let cpuEnd = cpu()
        try await Task.sleep(for: .seconds(2))
        let snapshot = try await drainAll()
        let commits = try await commitTimes()
        let total = connectedPerNode.reduce(0, +)
        var bySeq = [Int: [Int64]]()
        var bySeqNode = [Int: [Int64]]()
        for k in snapshot.seqs.indices {
            let seq = Int(snapshot.seqs[k])
            guard seq >= first, seq < first + events, commits[seq] != 0 else { continue }
            let latency = snapshot.times[k] - commits[seq]
            bySeq[seq, default: []].append(latency)
            bySeqNode[seq * 8 + Int(snapshot.nodes[k]), default: []].append(latency)
        }
        var lasts: [Int64] = []
        var firsts: [Int64] = []
        var medians: [Int64] = []
        var complete = 0
        var perNodeLast = Array(repeating: [Int64](), count: targets.count)
        for seq in first..<(first + events) {
            guard let samples = bySeq[seq]?.sorted(), !samples.isEmpty else { continue }
            if samples.count >= total { complete += 1 }
            lasts.append(samples.last!)
            firsts.append(samples.first!)
            medians.append(samples[samples.count / 2])
            for n in targets.indices { if let s = bySeqNode[seq * 8 + n]?.max() { perNodeLast[n].append(s) } }
        }
        let result: [String: Any] = [
            "events": events, "recipients": total, "events_fully_delivered": complete,
            "deliveries_received": bySeq.values.reduce(0) { $0 + $1.count },
            "last_recipient_ms": encode(Distribution(lasts)), "first_recipient_ms": encode(Distribution(firsts)),
            "median_recipient_ms": encode(Distribution(medians)),
            "last_recipient_per_node_ms": perNodeLast.map { encode(Distribution($0)) },
            "cpu": cpuUse(from: cpuStart, to: cpuEnd),
        ]
        log("fanout: \(result)")
        return result
    }

    /// Broadcasts at each rate for `duration` s and counts deliveries per node.
    func throughput(rates: [Double], duration: Double) async throws -> [[String: Any]] {
        var steps: [[String: Any]] = []
        for rate in rates {
            _ = try await drainAll()
            let count = Int(rate * duration)
            let closesBefore = try await closes()
            let cpuStart = cpu()
            let run = try await publisher.publish(type: "bench.throughput", count: count, rate: rate) { [role] _ in .role(role) }
            // Count CPU until deliveries finish, up to 3 s after the last commit.
            try await Task.sleep(for: .seconds(3))
            let cpuEnd = cpu()
            let snapshot = try await drainAll()
            let commits = try await commitTimes()
            let committed = (0..<count).filter { commits[run.first + $0] != 0 }.count
            var perNode = Array(repeating: [Int64](), count: targets.count)
            var lastReceipt = Array(repeating: Int64(0), count: targets.count)
            let firstCommit = commits[run.first..<(run.first + count)].filter { $0 != 0 }.min() ?? 0
            for k in snapshot.seqs.indices {
                let seq = Int(snapshot.seqs[k])
                guard seq >= run.first, seq < run.first + count, commits[seq] != 0 else { continue }
                let n = Int(snapshot.nodes[k])
                perNode[n].append(snapshot.times[k] - commits[seq])
                lastReceipt[n] = max(lastReceipt[n], snapshot.times[k])
            }
            let closesAfter = snapshot.closes
            var newCloses: [String: Int] = [:]
            for (key, value) in closesAfter where value != closesBefore[key] { newCloses[key] = value - (closesBefore[key] ?? 0) }
            var nodesOut: [[String: Any]] = []
            var passed = run.achievedRate >= rate * 0.95 && newCloses.isEmpty
            for n in targets.indices {
                let d = Distribution(perNode[n])
                let expected = committed * connectedPerNode[n]
                // Deliveries over the window from the first commit to this node's last
                // receipt (never shorter than the publishing itself).
                let window = max(run.elapsed, Double(lastReceipt[n] - firstCommit) / 1e9)
                let perSecond = Double(d.count) / max(window, 1e-9)
                let completeness = expected == 0 ? 0 : Double(d.count) / Double(expected)
                if completeness < 0.999 || (d.p99 ?? .infinity) > 1000 { passed = false }
                nodesOut.append([
                    "node": n, "clients": connectedPerNode[n], "expected": expected, "received": d.count,
                    "deliveries_per_second": perSecond.rounded(), "latency_ms": encode(d),
                ])
            }
            let step: [String: Any] = [
                "rate_requested": rate, "rate_achieved": run.achievedRate, "events": count, "publish_failures": run.failed,
                "per_node": nodesOut, "passed": passed, "closes": newCloses, "cpu": cpuUse(from: cpuStart, to: cpuEnd),
                "loadgen_bytes": snapshot.bytes,
            ]
            log("throughput step: \(step)")
            steps.append(step)
            if !passed { break }
            try await Task.sleep(for: .seconds(2))
        }
        return steps
    }

    func encode(_ d: Distribution) -> [String: Any] {
        var out: [String: Any] = ["count": d.count]
        if let v = d.p50 { out["p50"] = v }
        if let v = d.p90 { out["p90"] = v }
        if let v = d.p99 { out["p99"] = v }
        if let v = d.p999 { out["p999"] = v }
        if let v = d.max { out["max"] = v }
        if let v = d.min { out["min"] = v }
        return out
    }

    func shutdown() async {
        for channel in channels { channel.close(promise: nil) }
        try? await Task.sleep(for: .seconds(1))
        await publisher.close()
        try? await group.shutdownGracefully()
        try? await publisherGroup.shutdownGracefully()
    }
}
