import Foundation
import NIOCore

/// Signed provider webhooks at a steady offered rate (what each one is, and how it is
/// signed, is the `WebhookFlavor`'s), and, for WhatsApp, the `chat.message` each one
/// becomes on the agents' sockets.
///
/// Open loop: webhook i of a step is due at start + i / rate and is handed to the pool
/// as soon as it is due, whatever the server is doing; the pool writes it at once on an
/// idle keep-alive connection or, when all are busy, as soon as one comes free. Each
/// webhook's acknowledgement is timed two ways: from when it reached the wire (the
/// server's answer time) and from when it was due (what a sender with unlimited
/// connections would see; includes any wait for a connection or for this process's
/// CPU).
///
/// A socket event the flavor recognises as one of ours is timed from when its webhook
/// reached the wire to the read that completed it on an agent's socket.
///
/// Everything lives on one event loop (the agents' sockets too), so no state is shared
/// between threads.
final class WebhookDriver: @unchecked Sendable {
    let loop: EventLoop
    let pool: SourcedHTTPPool
    let path: String
    let flavor: WebhookFlavor
    /// Staff sockets that each receive every webhook's event (0: none watched).
    let agents: Int
    /// Webhooks sent by every step so far (the flavor's `n`).
    private var messagesSent = 0
    private var steps: [Step] = []
    private var current: Step?
    /// Socket events of the flavor's kind that were not ours (or of a step we no longer know).
    private(set) var foreignEvents = 0

    init(loop: EventLoop, pool: SourcedHTTPPool, path: String, flavor: WebhookFlavor, agents: Int) {
        self.loop = loop
        self.pool = pool
        self.path = path
        self.flavor = flavor
        self.agents = agents
    }

    /// What one step saw. Only touched on `loop`.
    final class Step {
        let index: Int
        let label: String
        let rate: Double
        let count: Int
        let agents: Int
        let firstMessage: Int
        let startMono: Double
        let startWall: Int64
        var issued = 0
        var closed = false
        var ticker: RepeatedTask?
        var inFlight = 0
        /// Per webhook: when it reached the wire (0 until answered).
        var wireSentNs: [Int64]
        var acksOnWire: [Int64] = []
        var acksFromDue: [Int64] = []
        var lateness: [Int64] = []
        var ok = 0
        var statuses: [String: Int] = [:]
        /// The first few answers that were not a success: status and body.
        var errorSamples: [String] = []
        var failures: [String: Int] = [:]
        var firstSentNs: Int64 = 0
        var lastAckNs: Int64 = 0
        /// Receipts: webhook index, agent, when; `seen` per (webhook, agent) for duplicates.
        var receiptIndex: [Int32] = []
        var receiptAgent: [UInt8] = []
        var receiptAt: [Int64] = []
        var seen: [UInt8]
        var duplicates = 0
        var lastReceiptNs: Int64 = 0
        var bodyBytes = 0

        init(index: Int, label: String, rate: Double, count: Int, agents: Int, firstMessage: Int) {
            self.index = index
            self.label = label
            self.rate = rate
            self.count = count
            self.agents = agents
            self.firstMessage = firstMessage
            wireSentNs = Array(repeating: 0, count: count)
            seen = Array(repeating: 0, count: count * max(1, agents))
            startMono = monoSeconds()
            startWall = wallNanos()
        }

        /// When the last webhook was due: the end of the offered load.
        var loadEndNs: Int64 { startWall + Int64(Double(max(count - 1, 0)) / rate * 1e9) }
    }

    /// Starts `rate` webhooks per second for `duration` s. Poll `busy()`, then `report()`.
    func start(label: String, rate: Double, duration: Double) -> Int64 {
        loop.preconditionInEventLoop()
        let step = Step(index: steps.count, label: label, rate: rate, count: max(1, Int(rate * duration)), agents: agents,
                        firstMessage: messagesSent)
        messagesSent += step.count
        steps.append(step)
        current = step
        pool.resetLongestQueue()
        // Every millisecond, send whatever is due. A webhook still unsent 1 s after the
        // step's end (this process starved of CPU) is dropped and counted.
        step.ticker = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { [unowned self] task in
            let elapsed = monoSeconds() - step.startMono
            if elapsed > Double(step.count) / step.rate + 1 {
                step.closed = true
                task.cancel()
                return
            }
            let due = min(step.count, Int(elapsed * step.rate) + 1)
            while step.issued < due {
                self.send(step.issued, in: step)
                step.issued += 1
            }
            if step.issued == step.count { task.cancel() }
        }
        return step.startWall
    }

    func busy() -> (sending: Bool, inFlight: Int) {
        guard let step = current else { return (false, 0) }
        return (step.issued < step.count && !step.closed, step.inFlight)
    }

    /// (events expected so far, events received) for the current step.
    func receipts() -> (expected: Int, received: Int) {
        guard let step = current else { return (0, 0) }
        return (step.ok * agents, step.receiptIndex.count)
    }

    private func send(_ i: Int, in step: Step) {
        let (headers, body) = flavor.request(step: step.index, index: i, n: step.firstMessage + i)
        step.bodyBytes += body.readableBytes
        let due = step.startWall + Int64(Double(i) / step.rate * 1e9)
        step.inFlight += 1
        pool.send(flavor.method, path: path, headers: headers, body: body).whenComplete { result in
            step.inFlight -= 1
            switch result {
            case .failure(let error):
                step.failures["\(error)", default: 0] += 1
            case .success(let answer):
                step.wireSentNs[i] = answer.sentNs
                step.firstSentNs = step.firstSentNs == 0 ? answer.sentNs : min(step.firstSentNs, answer.sentNs)
                step.lastAckNs = max(step.lastAckNs, answer.receivedNs)
                step.acksOnWire.append(answer.receivedNs - answer.sentNs)
                step.acksFromDue.append(answer.receivedNs - due)
                step.lateness.append(answer.sentNs - due)
                if answer.status == self.flavor.successStatus {
                    step.ok += 1
                } else {
                    step.statuses["\(answer.status)", default: 0] += 1
                    if step.errorSamples.count < 3 { step.errorSamples.append("\(answer.status) \(String(buffer: answer.body).prefix(300))") }
                }
            }
        }
    }

    /// A message reached agent `agent`'s socket at `at`: an event of ours is recorded.
    func message(_ buffer: ByteBuffer, agent: Int, at: Int64) {
        guard let (stepIndex, i) = buffer.withUnsafeReadableBytes({ flavor.receipt(in: $0) }) else {
            if buffer.withUnsafeReadableBytes({ flavor.isEvent($0) }) { foreignEvents += 1 }
            return
        }
        guard stepIndex < steps.count, i < steps[stepIndex].count else {
            foreignEvents += 1
            return
        }
        let step = steps[stepIndex]
        guard agent < max(1, agents) else { return }
        let slot = i * max(1, agents) + agent
        if step.seen[slot] != 0 {
            step.duplicates += 1
            return
        }
        step.seen[slot] = 1
        step.receiptIndex.append(Int32(i))
        step.receiptAgent.append(UInt8(truncatingIfNeeded: agent))
        step.receiptAt.append(at)
        step.lastReceiptNs = max(step.lastReceiptNs, at)
    }

    /// The figures of the current step as they stand; it stays known for late receipts.
    func report() -> [String: Any] {
        guard let step = current else { return [:] }
        step.ticker?.cancel()
        current = nil
        let nominal = Double(step.count) / step.rate
        let window = max(nominal, Double(step.lastAckNs - step.firstSentNs) / 1e9)
        let achieved = Double(step.ok) / max(window, 1e-9)
        var socket: [Int64] = []
        var socketFirst: [Int64] = []
        var firstAt = [Int64](repeating: 0, count: step.count)
        var withoutSend = 0
        for k in step.receiptIndex.indices {
            let i = Int(step.receiptIndex[k])
            let sent = step.wireSentNs[i]
            guard sent > 0 else { withoutSend += 1; continue }
            socket.append(step.receiptAt[k] - sent)
            if firstAt[i] == 0 || step.receiptAt[k] < firstAt[i] { firstAt[i] = step.receiptAt[k] }
        }
        for i in 0..<step.count where firstAt[i] > 0 { socketFirst.append(firstAt[i] - step.wireSentNs[i]) }
        let non200 = step.statuses.values.reduce(0, +)
        let failed = step.failures.values.reduce(0, +)
        let unsent = step.count - step.issued
        let expectedEvents = step.ok * agents
        let missingEvents = max(0, expectedEvents - step.receiptIndex.count)
        let ack = Distribution(step.acksFromDue)
        let errors = non200 + failed + unsent + step.inFlight
        let meanBody = step.issued > 0 ? step.bodyBytes / step.issued : 0
        var figures: [String: Any] = [
            "label": step.label, "step": step.index, "rate_requested": step.rate, "seconds": nominal,
            "webhooks_due": step.count, "webhooks_sent": step.issued, "answered_200": step.ok,
            "acks_per_second": (achieved * 10).rounded() / 10, "non_200": step.statuses, "error_samples": step.errorSamples, "failures": step.failures,
            "unanswered": step.inFlight, "unsent": unsent, "errors": errors,
            "ack_from_due_ms": ack.json, "ack_on_wire_ms": Distribution(step.acksOnWire).json,
            "lateness_ms": Distribution(step.lateness).json,
            "ack_p99_ok": (ack.p99 ?? .infinity) <= 20,
            "passed_ack": (ack.p99 ?? .infinity) <= 20 && errors == 0 && achieved >= 0.95 * step.rate,
            "mean_body_bytes": meanBody,
            "events_expected": expectedEvents, "events_received": step.receiptIndex.count, "events_missing": missingEvents,
            "events_duplicate": step.duplicates, "events_before_ack": withoutSend,
            "socket_ms": Distribution(socket).json, "socket_first_agent_ms": Distribution(socketFirst).json,
            "load_end_wall_ns": step.loadEndNs, "start_wall_ns": step.startWall,
            "last_ack_after_load_end_ms": Distribution.ms(max(0, step.lastAckNs - step.loadEndNs)),
            "last_event_after_load_end_ms": step.lastReceiptNs > 0 ? Distribution.ms(step.lastReceiptNs - step.loadEndNs) : NSNull(),
            "longest_connection_queue": pool.longestQueue, "open_connections": pool.openConnections,
            "broken_connections": pool.broken,
        ]
        figures.merge(flavor.figures(step: step.index)) { _, flavor in flavor }
        return figures
    }
}

/// Offset of `needle` in `haystack` (memchr for the first byte, memcmp for the rest).
func byteSearch(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer) -> Int? {
    guard haystack.count >= needle.count, let base = haystack.baseAddress, !needle.isEmpty else { return nil }
    return needle.withUnsafeBytes { n -> Int? in
        let first = Int32(n[0])
        let last = haystack.count - n.count
        var i = 0
        while i <= last {
            guard let hit = memchr(base + i, first, last - i + 1) else { return nil }
            let offset = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(hit, n.baseAddress!, n.count) == 0 { return offset }
            i = offset + 1
        }
        return nil
    }
}
