import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `loadgen payments`: the Razorpay benchmark against one node (ops/bench payments).
///
/// 1. Signed webhooks: stores the payments they name (`PaymentSeed`, as the superuser,
///    `BENCH_SUPERUSER_URL`), then a warm-up and one open-loop step per rate in
///    `--rates` of `RazorpayWebhooks`' mix; after each step it waits until every stored
///    delivery is processed (or `--settle` s) and reads what processing did to the
///    step's payments.
/// 2. Order creation: a warm-up, then one open-loop step per rate in `--order-rates` of
///    `POST /v1/payments/orders` as the owner (`OrderRequests`), which the node turns
///    into `POST /v1/orders` on the Razorpay stand-in.
/// Prints the figures as JSON.
struct PaymentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments",
        abstract: "Razorpay benchmark: signed webhooks (ack, processing) and order creation (ops/bench payments).")

    @Option(help: "The node as host:port.") var node: String
    @Option(help: "The node's PID, for CPU readings.") var nodePID: Int32?
    @Option(help: "The postmaster's PID, for PostgreSQL's CPU time.") var postgresPID: Int32?
    @Option(help: "The Razorpay stand-in's PID, for its CPU time.") var standInPID: Int32?
    @Option(help: "The tenant's slug (its contacts carry the seeded payments).") var tenant: String
    @Option(help: "The tenant's webhook path, /v1/webhooks/razorpay/{key}.") var webhookPath: String
    @Option(help: "File holding the tenant's Razorpay webhook secret (signs every body).") var webhookSecretFile: String
    @Option(help: "File with one 'userId accessToken' line: the owner who creates orders.") var owner: String
    @Option(help: "File of contact ids (one a line) orders are made for.") var contacts: String
    @Option(help: "Webhooks per second to offer, one step each, comma separated.") var rates = "250,500,1000,1500"
    @Option(help: "Seconds per webhook step.") var duration = 10.0
    @Option(help: "Webhooks per second of the warm-up (not reported as a step).") var warmupRate = 50.0
    @Option(help: "Seconds of each warm-up (0: none).") var warmupDuration = 3.0
    @Option(help: "Orders per second to offer, one step each, comma separated (empty: none).") var orderRates = "20,50,100"
    @Option(help: "Seconds per order step.") var orderDuration = 10.0
    @Option(help: "Most keep-alive connections to the node.") var connections = 256
    @Option(help: "Source addresses 127.0.0.2 ... 127.0.0.(1+N) for the connections.") var sources = 4
    @Option(help: "Most seconds to wait after a webhook step for processing to catch up.") var settle = 240.0
    @Option(help: "Label stored in the report.") var label = "payments"
    @Option(help: "Write the JSON report here (also printed).") var out: String?

    func run() async throws {
        guard let superuserURL = ProcessInfo.processInfo.environment["BENCH_SUPERUSER_URL"] else {
            throw ValidationError("BENCH_SUPERUSER_URL must name the benchmark database as the superuser")
        }
        let target = try CallsCommand.hostPort(node)
        guard let staff = try CallsCommand.users(owner).first else { throw ValidationError("no 'userId token' line in \(owner)") }
        let contactIDs = try String(contentsOfFile: contacts, encoding: .utf8).split(separator: "\n").map(String.init)
        guard !contactIDs.isEmpty else { throw ValidationError("no contact ids in \(contacts)") }
        let secret = try String(contentsOfFile: webhookSecretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        func parse(_ list: String) -> [Double] { list.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) } }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let monitorGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let backlog = try await DeliveryBacklog.connect(url: superuserURL, table: .razorpay, on: monitorGroup.next())
        // The stand-in takes the meter's third slot (reported as livekit_cores).
        let meter = CPUMeter(nodePIDs: nodePID.map { [$0] } ?? [], postgresPID: postgresPID, livekitPID: standInPID)
        let pool = SourcedHTTPPool(loop: loop, host: target.host, port: target.port, limit: connections, sources: sources)
        // Six random letters in every order id, event id and idempotency key: a rerun on
        // the same database sends new ones.
        let tag = String((0..<6).map { _ in "ABCDEFGHJKLMNPQRSTUVWXYZ".randomElement()! })
        var report: [String: Any] = [
            "label": label, "tag": tag, "loadgen_threads": 1, "max_connections": connections,
            "source_addresses": (0..<max(1, sources)).map { "127.0.0.\(2 + $0)" }, "step_seconds": duration,
            "order_step_seconds": orderDuration, "contacts": contactIDs.count, "amount": RazorpayWebhooks.amount,
        ]

        // 1. Webhooks. The driver numbers its steps from 0, the warm-up first.
        let webhooks = RazorpayWebhooks(webhookSecret: secret, tag: tag)
        let webhookDriver = WebhookDriver(loop: loop, pool: pool, path: webhookPath, flavor: webhooks, agents: 0)
        var plan = parse(rates).map { (rate: $0, seconds: duration) }
        if warmupDuration > 0 { plan.insert((warmupRate, warmupDuration), at: 0) }
        var seeded = 0
        for (index, step) in plan.enumerated() {
            let count = RazorpayWebhooks.orders(forWebhooks: max(1, Int(step.rate * step.seconds)))
            try await backlog.seedPayments(
                tenantSlug: tenant, orderPrefix: webhooks.orderPrefix(step: index), count: count, amount: RazorpayWebhooks.amount)
            seeded += count
        }
        try await backlog.analyzePayments()
        report["payments_seeded"] = seeded
        log("\(seeded) payments seeded for \(plan.count) webhook steps")

        try await loop.flatSubmit { pool.warm(min(32, connections)) }.get()
        backlog.start(interval: .milliseconds(250))
        let webhookSteps = WebhookSteps(loop: loop, driver: webhookDriver, backlog: backlog, meter: meter, settle: settle) { index, since in
            try await backlog.paymentOutcomes(orderPrefix: webhooks.orderPrefix(step: index), since: since)
        }
        var results: [[String: Any]] = []
        for (index, step) in plan.enumerated() {
            let warmup = warmupDuration > 0 && index == 0
            let name = warmup ? "\(label)-webhooks-warmup" : "\(label)-webhooks-\(index)-\(Int(step.rate))"
            let result = try await webhookSteps.run(name, rate: step.rate, seconds: step.seconds)
            if warmup {
                report["webhook_warmup"] = result
                guard (result["answered_200"] as? Int ?? 0) > 0 else {
                    throw ValidationError("no webhook was acknowledged during the warm-up; see its figures: \(result)")
                }
            } else {
                results.append(result)
            }
            try await Task.sleep(for: .seconds(1))
        }
        report["webhook_steps"] = results

        // 2. Order creation.
        let orders = OrderRequests(token: staff.token, contacts: contactIDs, tag: tag)
        let orderDriver = WebhookDriver(loop: loop, pool: pool, path: "/v1/payments/orders", flavor: orders, agents: 0)
        let orderSteps = WebhookSteps(loop: loop, driver: orderDriver, backlog: backlog, meter: meter, settle: 5) { index, _ in
            try await backlog.paymentsCreated(keyPrefix: orders.keyPrefix(step: index))
        }
        var orderPlan = parse(orderRates).map { (rate: $0, seconds: orderDuration) }
        if warmupDuration > 0, !orderPlan.isEmpty { orderPlan.insert((10, warmupDuration), at: 0) }
        results = []
        for (index, step) in orderPlan.enumerated() {
            let warmup = warmupDuration > 0 && index == 0
            let name = warmup ? "\(label)-orders-warmup" : "\(label)-orders-\(index)-\(Int(step.rate))"
            let result = try await orderSteps.run(name, rate: step.rate, seconds: step.seconds)
            if warmup { report["order_warmup"] = result } else { results.append(result) }
            try await Task.sleep(for: .seconds(1))
        }
        report["order_steps"] = results

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
}
