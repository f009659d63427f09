import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `loadgen soak`: a long, modest, mixed load against two nodes (ops/soak), to see whether
/// the nodes' memory and file descriptors level off. For `--minutes`:
///
/// - real-time clients (`ChurningClient`: staff and customers, WebSocket and SSE) that
///   leave every few seconds and come back on the other node with their last event id;
/// - publisher ticks (`soak.tick`, committed the way `EventOutbox.emit` does) to every
///   client, and signed WhatsApp webhooks (`SoakWebhooks`) whose `chat.message` reaches
///   every staff client;
/// - REST users (`SoakRESTUser`) reading and writing contacts over short-lived connections;
/// - every account refreshing its tokens every `--refresh-minutes`.
///
/// One JSON line per minute goes to `--minutes-out` (per node: requests, errors,
/// connects, events; see `SoakTally`). Then the load stops, the clients settle, and the
/// report (`--out`) says whether any client lost or repeated an event (`SoakCheck`).
/// Everything but the publisher runs on one event loop thread.
struct SoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak", abstract: "Mixed load with connection churn for a leak check (ops/soak).")

    @Option(name: .customLong("node"), help: "A node as host:port; repeat for each.") var nodes: [String]
    @Option(help: "The tenant's slug (for signing in).") var tenant: String
    @Option(help: "The tenant's id (the publisher's events belong to it).") var tenantID: String
    @Option(help: "File of staff emails (role agent): one real-time client each.") var staff: String
    @Option(help: "File of customer emails: one real-time client each.") var customers: String
    @Option(help: "File of staff emails (role agent): one REST user each.") var restUsers: String
    @Option(help: "Minutes of load.") var minutes = 30
    @Option(help: "Every Nth real-time client uses SSE, the rest WebSocket.") var sseEvery = 3
    @Option(help: "Fewest seconds a real-time connection lasts before its client leaves.") var stayMin = 2.0
    @Option(help: "Most seconds a real-time connection lasts.") var stayMax = 8.0
    @Option(help: "Publisher ticks per second (each to every client).") var tickRate = 5.0
    @Option(help: "Fewest seconds a REST user pauses between requests.") var restPauseMin = 0.2
    @Option(help: "Most seconds a REST user pauses between requests.") var restPauseMax = 0.8
    @Option(help: "Most requests on one REST connection before it is hung up.") var restPerConnection = 20
    @Option(help: "The tenant's webhook path, /v1/webhooks/whatsapp/{key}.") var webhookPath: String
    @Option(help: "File holding the tenant's WhatsApp app secret.") var appSecretFile: String
    @Option(help: "The tenant's phone number id.") var phoneNumberID: String
    @Option(help: "Webhooks per second (0: none).") var webhookRate = 1.0
    @Option(help: "Distinct WhatsApp senders.") var senders = 200
    @Option(help: "Minutes between token refreshes of every account.") var refreshMinutes = 5.0
    @Option(help: "Source addresses 127.0.0.2 ... 127.0.0.(1+N) for the real-time clients and webhooks.") var sources = 4
    @Option(help: "Most seconds to wait after the load for clients to catch up.") var settle = 90.0
    @Option(help: "Append one JSON line per minute here.") var minutesOut: String
    @Option(help: "Write the final JSON report here (also printed).") var out: String?

    func run() async throws {
        guard let password = ProcessInfo.processInfo.environment["SOAK_PASSWORD"] else {
            throw ValidationError("SOAK_PASSWORD must hold the users' password")
        }
        guard let databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"] else {
            throw ValidationError("DATABASE_URL must name the application's database role (the publisher's)")
        }
        guard let tenantUUID = UUID(uuidString: tenantID) else { throw ValidationError("--tenant-id must be a UUID") }
        let targets = try nodes.map(CallsCommand.hostPort)
        func emails(_ path: String) throws -> [String] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let staffAccounts = try emails(staff).map(SoakAccount.init)
        let customerAccounts = try emails(customers).map(SoakAccount.init)
        let restAccounts = try emails(restUsers).map(SoakAccount.init)
        let accounts = staffAccounts + customerAccounts + restAccounts
        let appSecret = try String(contentsOfFile: appSecretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let publisherGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let publisher = Publisher(loop: publisherGroup.next(), tenantID: tenantUUID)
        try await publisher.connect(url: databaseURL, count: 1)
        let tally = SoakTally(nodes: targets.count)
        let recorder = LoopRecorder(loop: loop, nodes: targets.count)
        let authPools = targets.map { HTTPPool(loop: loop, host: $0.host, port: $0.port, limit: 4) }
        let webhookPools = targets.map {
            SourcedHTTPPool(loop: loop, host: $0.host, port: $0.port, limit: 4, sources: sources)
        }
        // Six random letters in every wamid, as `loadgen webhooks` does.
        let tag = String((0..<6).map { _ in "ABCDEFGHJKLMNPQRSTUVWXYZ".randomElement()! })
        let flavor = WhatsAppWebhooks(appSecret: appSecret, phoneNumberID: phoneNumberID, senders: senders, tag: tag)
        let webhooks = SoakWebhooks(
            loop: loop, pools: webhookPools, path: webhookPath, flavor: flavor, rate: webhookRate, tally: tally)

        // Sign everyone in, 8 at a time, over both nodes.
        for batch in stride(from: 0, to: accounts.count, by: 8) {
            let signing = (batch..<min(batch + 8, accounts.count)).map { i in
                loop.flatSubmit { accounts[i].login(tenant: tenant, password: password, pool: authPools[i % targets.count]) }
            }
            _ = try await EventLoopFuture.whenAllSucceed(signing, on: loop).get()
        }
        log("signed in \(accounts.count) users")

        let clientAccounts = staffAccounts.map { ($0, true) } + customerAccounts.map { ($0, false) }
        let clients = clientAccounts.enumerated().map { i, pair in
            ChurningClient(
                transport: i % max(1, sseEvery) == max(1, sseEvery) - 1 ? .sse : .websocket, account: pair.0, staff: pair.1,
                targets: targets, firstNode: i % targets.count, source: "127.0.0.\(2 + i % max(1, sources))", loop: loop,
                tally: tally, recorder: recorder, stay: stayMin...max(stayMin, stayMax), webhooks: flavor)
        }
        let restUsersList = restAccounts.enumerated().map { i, account in
            SoakRESTUser(index: i, account: account, targets: targets, loop: loop, tally: tally,
                         pause: restPauseMin...max(restPauseMin, restPauseMax), perConnection: restPerConnection)
        }

        // Connect every client, then broadcast until each holds an event id to resume from.
        try await loop.submit { for client in clients { client.connect() } }.get()
        var warmups = 0
        while warmups < 20 {
            warmups += 1
            _ = try await publisher.publish(type: "soak.warmup", count: 1, rate: 1) { _ in .roles(["customer", "agent"]) }
            try await Task.sleep(for: .seconds(1))
            let ready = try await loop.submit { clients.filter { $0.connected && $0.lastEventID != nil }.count }.get()
            if ready == clients.count { break }
        }
        let warm = try await loop.submit { clients.filter { $0.lastEventID != nil }.count }.get()
        log("\(warm) of \(clients.count) clients hold an event id after \(warmups) warm-up broadcasts")
        _ = try await loop.submit { tally.take() }.get()  // the warm-up is not a minute of the soak

        // The load.
        let tickFirst = try await publisher.loop.submit { publisher.sentNs.count }.get()
        let loadStart = monoSeconds()
        let loadStartUnix = Date().timeIntervalSince1970
        let loadEnd = loadStart + Double(minutes) * 60
        try await loop.submit {
            for client in clients { client.startChurning() }
            for user in restUsersList { user.start() }
            webhooks.start()
        }.get()
        let refresher = loop.scheduleRepeatedTask(
            initialDelay: .milliseconds(Int64(refreshMinutes * 60_000)), delay: .milliseconds(Int64(refreshMinutes * 60_000))
        ) { _ in
            // Spread over a few seconds rather than all at once.
            for (k, account) in accounts.enumerated() {
                let node = k % targets.count
                loop.scheduleTask(in: .milliseconds(Int64(k * 50))) {
                    account.refresh(pool: authPools[node]).whenComplete { result in
                        switch result {
                        case .success: tally.request(node, "POST /v1/auth/refresh", status: 200, ok: true)
                        case .failure(let error as SoakAnswerError):
                            tally.request(node, "POST /v1/auth/refresh", status: error.status, ok: false)
                        case .failure(let error): tally.error(node, "POST /v1/auth/refresh: \(error)")
                        }
                    }
                }
            }
        }
        let publishing = Task {
            var i = 0
            while true {
                let due = loadStart + Double(i) / tickRate
                guard due < loadEnd else { break }
                if due > monoSeconds() { try? await Task.sleep(for: .seconds(due - monoSeconds())) }
                _ = try? await publisher.publish(type: "soak.tick", count: 1, rate: 1) { _ in .roles(["customer", "agent"]) }
                i += 1
            }
        }

        _ = FileManager.default.createFile(atPath: minutesOut, contents: nil)
        let minuteFile = try FileHandle(forWritingTo: URL(fileURLWithPath: minutesOut))
        var committedBefore = 0
        var minuteStartUnix = loadStartUnix
        func ticks() async throws -> (committed: Int, failed: Int) {
            let (sent, commits) = try await publisher.loop.submit { (publisher.sentNs, publisher.commitNs) }.get()
            var committed = 0
            var failed = 0
            for seq in tickFirst..<sent.count { if commits[seq] != 0 { committed += 1 } else if sent[seq] != 0 { failed += 1 } }
            return (committed, failed)
        }
        func minuteRecord(_ label: Any) async throws -> [String: Any] {
            let nodesFigures = try await loop.submit { tally.take() }.get()
            _ = try await loop.submit { recorder.drain() }.get()  // only its arrays' growth matters here
            let connected = try await loop.submit { clients.filter(\.connected).count }.get()
            let (committed, failed) = try await ticks()
            let now = Date().timeIntervalSince1970
            defer { minuteStartUnix = now }
            defer { committedBefore = committed }
            return [
                "minute": label, "start_unix": minuteStartUnix, "end_unix": now, "nodes": nodesFigures,
                "ticks_committed": committed - committedBefore, "tick_publish_failures_so_far": failed,
                "clients_connected": connected, "clients": clients.count,
                "loadgen_rss_kib": (Proc.rss(Proc.selfPID) ?? 0) / 1024,
            ]
        }
        for minute in 1...max(1, minutes) {
            let end = loadStart + Double(minute) * 60
            if end > monoSeconds() { try await Task.sleep(for: .seconds(end - monoSeconds())) }
            let record = try await minuteRecord(minute)
            let line = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
            minuteFile.write(line + Data("\n".utf8))
            let figures = record["nodes"] as? [[String: Any]] ?? []
            func sum(_ key: String) -> Int { figures.reduce(0) { $0 + ($1[key] as? Int ?? 0) } }
            log("minute \(minute): requests \(sum("requests_total")), errors \(sum("errors_total")), reconnects "
                + "\(sum("reconnects")), events \(sum("events_total")), ticks \(record["ticks_committed"] ?? 0), "
                + "connected \(record["clients_connected"] ?? 0)/\(clients.count)")
        }
        try? minuteFile.close()

        // Stop the load, then let every client reconnect and catch up.
        refresher.cancel()
        await publishing.value
        try await loop.submit {
            webhooks.stop()
            for user in restUsersList { user.stop() }
            for client in clients { client.churning = false }
        }.get()
        let (sent, commits) = try await publisher.loop.submit { (publisher.sentNs, publisher.commitNs) }.get()
        let expectedTicks = (tickFirst..<sent.count).filter { commits[$0] != 0 }
        let staffClients = clients.filter(\.staff)
        let settleStart = monoSeconds()
        var stillMissing = 0
        while true {
            try await Task.sleep(for: .seconds(1))
            let acknowledged = try await loop.submit { webhooks.acknowledged.indices.filter { webhooks.acknowledged[$0] } }.get()
            stillMissing = try await loop.submit {
                SoakCheck.missing(clients, expected: expectedTicks, counts: \.ticks)
                    + SoakCheck.missing(staffClients, expected: acknowledged, counts: \.chats)
                    + clients.filter { !$0.connected }.count
            }.get()
            if stillMissing == 0 || monoSeconds() - settleStart > settle { break }
        }
        let settleSeconds = monoSeconds() - settleStart
        let settleRecord = try await minuteRecord("settle")
        let acknowledged = try await loop.submit { webhooks.acknowledged.indices.filter { webhooks.acknowledged[$0] } }.get()
        let webhooksSent = try await loop.submit { webhooks.sent }.get()
        let tickCheck = try await loop.submit { SoakCheck.check(clients, expected: expectedTicks, counts: \.ticks) }.get()
        let chatCheck = try await loop.submit { SoakCheck.check(staffClients, expected: acknowledged, counts: \.chats) }.get()
        let connections = try await loop.submit { clients.reduce(0) { $0 + $1.connections } }.get()
        let publisherErrors = try await publisher.loop.submit { publisher.errors }.get()

        let report: [String: Any] = [
            "minutes": minutes, "nodes": nodes, "clients": clients.count, "staff_clients": staffClients.count,
            "sse_clients": clients.filter { $0.transport == .sse }.count, "rest_users": restUsersList.count,
            "stay_seconds": [stayMin, stayMax], "tick_rate": tickRate, "webhook_rate": webhookRate,
            "rest_pause_seconds": [restPauseMin, restPauseMax], "rest_requests_per_connection_max": restPerConnection,
            "refresh_minutes": refreshMinutes, "warmup_broadcasts": warmups, "clients_with_event_id_after_warmup": warm,
            "settle": settleRecord, "settle_seconds": (settleSeconds * 10).rounded() / 10,
            "still_missing_after_settle": stillMissing, "realtime_connections_admitted": connections,
            "ticks": ["committed": expectedTicks.count, "failed": sent.count - tickFirst - expectedTicks.count,
                      "publisher_errors": publisherErrors, "check": tickCheck],
            "webhooks": ["sent": webhooksSent, "acknowledged": acknowledged.count, "check": chatCheck],
            "wamid_tag": tag,
        ]

        try await loop.submit {
            for client in clients { client.stop() }
            for pool in authPools { pool.close() }
            for pool in webhookPools { pool.close() }
        }.get()
        await publisher.close()
        try? await Task.sleep(for: .milliseconds(500))
        try? await group.shutdownGracefully()
        try? await publisherGroup.shutdownGracefully()

        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        if let out { try data.write(to: URL(fileURLWithPath: out)) }
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
