/// The end-of-run check of `loadgen soak`: across all its reconnects, every client must
/// have received every committed tick exactly once, and every staff client every
/// acknowledged webhook's `chat.message` exactly once. Ticks start after every client
/// holds an event id, and webhooks after every staff client is connected, so each
/// client was entitled to all of them.
enum SoakCheck {
    /// Missing and repeated receipts of `expected` (indices into each client's counts),
    /// per transport, with a few examples.
    static func check(_ clients: [ChurningClient], expected: [Int], counts: (ChurningClient) -> [UInt8]) -> [String: Any] {
        var byTransport: [String: [String: Int]] = [:]
        var examples: [[String: Any]] = []
        for (index, client) in clients.enumerated() {
            let received = counts(client)
            var missing = 0
            var repeated = 0
            var firstMissing: [Int] = []
            for i in expected {
                let n = i < received.count ? Int(received[i]) : 0
                if n == 0 {
                    missing += 1
                    if firstMissing.count < 5 { firstMissing.append(i) }
                } else if n > 1 {
                    repeated += n - 1
                }
            }
            var figures = byTransport[client.transport.rawValue] ?? [:]
            figures["clients", default: 0] += 1
            figures["missing", default: 0] += missing
            figures["repeated", default: 0] += repeated
            if missing > 0 { figures["clients_missing_some", default: 0] += 1 }
            byTransport[client.transport.rawValue] = figures
            if (missing > 0 || repeated > 0), examples.count < 10 {
                examples.append([
                    "client": index, "transport": client.transport.rawValue, "user": client.account.email,
                    "missing": missing, "repeated": repeated, "first_missing": firstMissing,
                    "connections": client.connections,
                ])
            }
        }
        let missing = byTransport.values.reduce(0) { $0 + ($1["missing"] ?? 0) }
        let repeated = byTransport.values.reduce(0) { $0 + ($1["repeated"] ?? 0) }
        return [
            "expected_per_client": expected.count, "clients": clients.count, "missing": missing, "repeated": repeated,
            "by_transport": byTransport, "examples": examples,
        ]
    }

    /// How many receipts are still missing (for waiting until the clients caught up).
    static func missing(_ clients: [ChurningClient], expected: [Int], counts: (ChurningClient) -> [UInt8]) -> Int {
        var total = 0
        for client in clients {
            let received = counts(client)
            for i in expected where i >= received.count || received[i] == 0 { total += 1 }
        }
        return total
    }
}
