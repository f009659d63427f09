import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `loadgen webhooks`: signed WhatsApp webhooks against one node (ops/bench whatsapp).
/// Connects the agents' WebSockets (`GET /v1/realtime`), runs a short warm-up, then one
/// open-loop step per rate in `--rates` (see `WebhookDriver` for what is timed). After
/// each step it waits until the server has processed every stored delivery (sampled in
/// the database as the superuser, `BENCH_SUPERUSER_URL`) and the agents have every
/// `chat.message`, or `--settle` s, so each step's figures are its own and say how long
/// processing ran on after the load. Then the same rate against the bare route
/// (`BareRoute`), the run's own baseline. Prints the figures as JSON.
struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "WhatsApp webhook benchmark: signed POSTs, acknowledgement, processing, chat.message (ops/bench whatsapp).")

    @Option(help: "The node as host:port.") var node: String
    @Option(help: "The node's PID, for CPU readings.") var nodePID: Int32?
    @Option(help: "The postmaster's PID, for PostgreSQL's CPU time.") var postgresPID: Int32?
    @Option(help: "The tenant's webhook path, /v1/webhooks/whatsapp/{key}.") var webhookPath: String
    @Option(help: "File holding the tenant's WhatsApp app secret (signs every body).") var appSecretFile: String
    @Option(help: "The tenant's phone number id (metadata.phone_number_id).") var phoneNumberID: String
    @Option(help: "File of 'userId accessToken' lines: the staff whose sockets receive chat.message.") var agents: String
    @Option(help: "Distinct WhatsApp senders; message n comes from sender n mod this.") var senders = 1000
    @Option(help: "Webhooks per second to offer, one step each, comma separated.") var rates = "50,200,250,500,1000,2000,3000"
    @Option(help: "Seconds per step.") var duration = 10.0
    @Option(help: "Webhooks per second of the warm-up (not reported as a step).") var warmupRate = 20.0
    @Option(help: "Seconds of warm-up (0: none).") var warmupDuration = 3.0
    @Option(help: "Most keep-alive connections to the node.") var connections = 256
    @Option(help: "Source addresses 127.0.0.2 ... 127.0.0.(1+N) for the connections and sockets.") var sources = 4
    @Option(help: "Most seconds to wait after a step for processing and events to catch up.") var settle = 240.0
    @Option(help: "Print the first N messages each agent receives (to check what the sockets carry).") var showMessages = 0
    @Option(help: "Label stored in the report.") var label = "whatsapp"
    @Option(help: "Write the JSON report here (also printed).") var out: String?

    func run() async throws {
        guard let superuserURL = ProcessInfo.processInfo.environment["BENCH_SUPERUSER_URL"] else {
            throw ValidationError("BENCH_SUPERUSER_URL must name the benchmark database as the superuser")
        }
        let target = try CallsCommand.hostPort(node)
        let staff = try CallsCommand.users(agents)
        guard !staff.isEmpty else { throw ValidationError("no agents in \(agents)") }
        let appSecret = try String(contentsOfFile: appSecretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let stepRates = rates.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let monitorGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let backlog = try await DeliveryBacklog.connect(url: superuserURL, table: .whatsapp, on: monitorGroup.next())
        let meter = CPUMeter(nodePIDs: nodePID.map { [$0] } ?? [], postgresPID: postgresPID, livekitPID: nil)
        let pool = SourcedHTTPPool(loop: loop, host: target.host, port: target.port, limit: connections, sources: sources)
        // Six random letters in every wamid: a rerun on the same database sends new ones.
        let tag = String((0..<6).map { _ in "ABCDEFGHJKLMNPQRSTUVWXYZ".randomElement()! })
        let flavor = WhatsAppWebhooks(appSecret: appSecret, phoneNumberID: phoneNumberID, senders: senders, tag: tag)
        let driver = WebhookDriver(loop: loop, pool: pool, path: webhookPath, flavor: flavor, agents: staff.count)
        let bare = WebhookDriver(loop: loop, pool: pool, path: BareRoute.path, flavor: BareRoute(), agents: 0)
        let recorder = LoopRecorder(loop: loop, nodes: 1)
        var report: [String: Any] = [
            "label": label, "agents": staff.count, "senders": senders, "loadgen_threads": 1, "max_connections": connections,
            "source_addresses": (0..<max(1, sources)).map { "127.0.0.\(2 + $0)" }, "wamid_tag": tag,
            "step_seconds": duration,
        ]

        // The agents: one WebSocket each.
        var sockets: [Channel] = []
        for (index, agent) in staff.enumerated() {
            sockets.append(try await Self.connect(
                agent: index, token: agent.token, source: "127.0.0.\(2 + index % max(1, sources))", to: target, on: loop,
                recorder: recorder, driver: driver, show: showMessages))
        }
        log("\(sockets.count) agents connected")
        try await loop.flatSubmit { pool.warm(min(32, connections)) }.get()
        backlog.start(interval: .milliseconds(250))

        let steps = WebhookSteps(loop: loop, driver: driver, backlog: backlog, meter: meter, settle: settle) { index, _ in
            ["messages_stored": try await backlog.messagesStored(wamidPrefix: flavor.wamidPrefix(step: index))]
        }
        func step(_ name: String, rate: Double, seconds: Double) async throws -> [String: Any] {
            try await steps.run(name, rate: rate, seconds: seconds)
        }

        if warmupDuration > 0 {
            let warmup = try await step("\(label)-warmup", rate: warmupRate, seconds: warmupDuration)
            report["warmup"] = warmup
            guard (warmup["events_received"] as? Int ?? 0) > 0 else {
                throw ValidationError("the agents got no chat.message during the warm-up; see its figures: \(warmup)")
            }
            try await Task.sleep(for: .seconds(1))
        }
        var results: [[String: Any]] = []
        for (index, rate) in stepRates.enumerated() {
            var result = try await step("\(label)-\(index)-\(Int(rate))", rate: rate, seconds: duration)
            try await Task.sleep(for: .seconds(1))
            result["bare"] = try await steps.runBare(bare, rate: rate, seconds: duration)
            results.append(result)
            try await Task.sleep(for: .seconds(1))
        }
        report["steps"] = results
        report["closes_during_run"] = try await loop.submit { recorder.closes }.get()
        report["foreign_chat_messages"] = try await loop.submit { driver.foreignEvents }.get()

        for socket in sockets { socket.close(promise: nil) }
        try await loop.submit { pool.close() }.get()
        await backlog.close()
        try? await Task.sleep(for: .milliseconds(300))
        try? await group.shutdownGracefully()
        try? await monitorGroup.shutdownGracefully()

        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        if let out { try data.write(to: URL(fileURLWithPath: out)) }
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// Opens staff member `index`'s WebSocket from `source`; its messages go to `driver`.
    static func connect(
        agent index: Int, token: String, source: String, to target: (host: String, port: Int), on loop: EventLoop,
        recorder: LoopRecorder, driver: WebhookDriver, show: Int
    ) async throws -> Channel {
        let request = "GET /v1/realtime HTTP/1.1\r\nHost: \(target.host):\(target.port)\r\nAuthorization: Bearer \(token)\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n"
        let admitted = loop.makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: loop)
            .bind(to: try SocketAddress(ipAddress: source, port: 0))
            .connectTimeout(.seconds(15))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let client = HubClient(transport: .websocket, node: 0, request: request, recorder: recorder, admitted: admitted)
                    var shown = 0
                    client.onMessage = { message, at in
                        if shown < show {
                            shown += 1
                            log("agent \(index) got: \(String(buffer: message).prefix(2000))")
                        }
                        driver.message(message, agent: index, at: at)
                    }
                    try channel.pipeline.syncOperations.addHandler(client)
                }
            }
            .connect(host: target.host, port: target.port).get()
        let timeout = loop.scheduleTask(in: .seconds(30)) { admitted.fail(AdmissionError(status: -1)) }
        defer { timeout.cancel() }
        try await admitted.futureResult.get()
        return channel
    }
}
