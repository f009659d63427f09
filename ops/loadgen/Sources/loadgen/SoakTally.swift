/// What the soak's clients did in the current minute, per node (`loadgen soak`): the
/// minute loop takes it and starts afresh. Touched only on the soak's event loop.
final class SoakTally: @unchecked Sendable {
    struct Node {
        /// Answered HTTP requests by kind ("GET /v1/me", "webhook", ...), whatever the status.
        var requests: [String: Int] = [:]
        /// Everything that went wrong, by what and how ("GET /v1/contacts → 500",
        /// "sse closed by the server: 4000", ...). Nothing is left out of here.
        var errors: [String: Int] = [:]
        /// REST connections opened (each carries a few requests, then is hung up).
        var restConnections = 0
        /// Real-time connections admitted, by transport; the first of each client apart.
        var connects: [String: Int] = [:]
        var firstConnects = 0
        /// Events received, by kind: "tick" (the publisher's), "chat" (a webhook's
        /// chat.message), "other" (presence and the rest).
        var events: [String: Int] = [:]
        /// Ticks a client saw skipped (a later one arrived first) or arrive again. Seen
        /// live; the end-of-run check is the authority (a failed publish is a legal gap).
        var tickGaps = 0
        var tickRepeats = 0
        var webhooksSent = 0
        var webhooksAcknowledged = 0
    }

    private(set) var nodes: [Node]

    init(nodes: Int) {
        self.nodes = Array(repeating: Node(), count: nodes)
    }

    func request(_ node: Int, _ kind: String, status: Int, ok: Bool) {
        nodes[node].requests[kind, default: 0] += 1
        if !ok { error(node, "\(kind) → \(status)") }
    }

    func error(_ node: Int, _ what: String) { nodes[node].errors[what, default: 0] += 1 }

    func restConnection(_ node: Int) { nodes[node].restConnections += 1 }

    func connected(_ node: Int, transport: Transport, first: Bool) {
        nodes[node].connects[transport.rawValue, default: 0] += 1
        if first { nodes[node].firstConnects += 1 }
    }

    func event(_ node: Int, _ kind: String) { nodes[node].events[kind, default: 0] += 1 }

    func tickGap(_ node: Int, _ missed: Int) { nodes[node].tickGaps += missed }
    func tickRepeat(_ node: Int) { nodes[node].tickRepeats += 1 }

    func webhookSent(_ node: Int) { nodes[node].webhooksSent += 1 }
    func webhookAcknowledged(_ node: Int) { nodes[node].webhooksAcknowledged += 1 }

    /// This minute's figures as JSON objects, one per node, and a fresh start.
    func take() -> [[String: Any]] {
        let taken = nodes.map { n -> [String: Any] in
            [
                "requests": n.requests, "requests_total": n.requests.values.reduce(0, +),
                "errors": n.errors, "errors_total": n.errors.values.reduce(0, +),
                "rest_connections": n.restConnections, "connects": n.connects,
                "reconnects": n.connects.values.reduce(0, +) - n.firstConnects,
                "events": n.events, "events_total": n.events.values.reduce(0, +),
                "tick_gaps_seen": n.tickGaps, "tick_repeats_seen": n.tickRepeats,
                "webhooks_sent": n.webhooksSent, "webhooks_acknowledged": n.webhooksAcknowledged,
            ]
        }
        nodes = Array(repeating: Node(), count: nodes.count)
        return taken
    }
}
