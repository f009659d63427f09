import Foundation
import NIOCore
import NIOHTTP1

/// An agent the benchmark rings: its user, token, and the node its WebSocket is on.
struct BenchAgent {
    let id: UUID
    let token: String
    let node: Int
}

/// Call set-ups at a steady offered rate, measured from just before `POST /v1/calls` is
/// written to the arrival of the matching `call.ringing` on the rung agent's WebSocket,
/// both read with `wallNanos()` in this process.
///
/// Each agent takes one call at a time (the server rings only free agents): an agent
/// leaves the free line when a call is sent to it and comes back once it has declined
/// that call (`POST /v1/calls/{id}/decline`, answered 200). The schedule is open loop: call
/// i is due at start + i / rate and is sent as soon as it is due and an agent is free;
/// how late each was sent is reported, so a server that falls behind cannot hide it.
///
/// Everything (sockets, HTTP connections, this state) lives on one event loop, so no
/// state is shared between threads.
final class CallDriver: @unchecked Sendable {
    let loop: EventLoop
    let agents: [BenchAgent]
    let customers: [(id: UUID, token: String)]
    /// Per node: the customers' connections (POST, cancel) and the agents' (decline), kept
    /// apart as browsers are, so a backlog of POSTs never delays an agent's decline here.
    let pools: [HTTPPool]
    let agentPools: [HTTPPool]
    private var free = CircularBuffer<Int>()
    private var step: Step?
    /// Finished steps that still had calls in flight: a late answer or ringing is still
    /// seen through (the agent declines and comes free), though their figures are out.
    private var finished: [Step] = []
    /// `call.ringing` that arrived before its POST was answered: id → (agent, time).
    private var early: [UUID: (agent: Int, at: Int64)] = [:]

    init(
        loop: EventLoop, agents: [BenchAgent], customers: [(id: UUID, token: String)], pools: [HTTPPool], agentPools: [HTTPPool]
    ) {
        self.loop = loop
        self.agents = agents
        self.customers = customers
        self.pools = pools
        self.agentPools = agentPools
        for i in agents.indices { free.append(i) }
    }

    /// One call in flight, from the POST until its agent is free again.
    private struct Outstanding {
        var agent: Int
        var customer: Int
        var postNode: Int
        var sentNs: Int64
        var ringNs: Int64?
    }

    /// What one rate step saw. Only touched on `loop`.
    private final class Step {
        let label: String
        let rate: Double
        let count: Int
        let nodes: [Int]
        let startMono: Double
        let startWall: Int64
        var issued = 0
        /// Set when the step's time is up: calls not sent by then are never sent.
        var closed = false
        var ticker: RepeatedTask?
        /// Calls answered 201 (by id) whose agents are not free again yet.
        var calls: [UUID: Outstanding] = [:]
        /// POSTs not answered yet, declines not answered yet.
        var postsInFlight = 0
        var declinesInFlight = 0
        var setups: [Int64] = []
        var setupsSameNode: [Int64] = []
        var setupsCrossNode: [Int64] = []
        var postRoundTrips: [Int64] = []
        var lateness: [Int64] = []
        var ringingBeforeAnswer = 0
        var answered201 = 0
        var errors: [String: Int] = [:]
        var declineErrors: [String: Int] = [:]
        var ringingWrongAgent = 0
        var ringingUnknown = 0
        /// 1 ms ticks on which a call was due but no agent was free.
        var waitedForAgent = 0
        var lastSetupNs: Int64 = 0
        var firstSentNs: Int64 = 0

        init(label: String, rate: Double, count: Int, nodes: [Int]) {
            self.label = label
            self.rate = rate
            self.count = count
            self.nodes = nodes
            startMono = monoSeconds()
            startWall = wallNanos()
        }

        var outstanding: Int { postsInFlight + declinesInFlight + calls.count }
    }

    // MARK: Running a step

    /// Starts `rate` set-ups per second for `duration` s, POSTs spread over `nodes` in
    /// turn. Poll `busy()` for the end, then call `finish()`.
    func start(label: String, rate: Double, duration: Double, nodes: [Int]) {
        loop.preconditionInEventLoop()
        let step = Step(label: label, rate: rate, count: max(1, Int(rate * duration)), nodes: nodes)
        self.step = step
        for pool in pools + agentPools { pool.resetLongestQueue() }
        // Every millisecond: send whatever is due (a late call goes as soon as an agent
        // is free; it does not shift the schedule of the ones after it). A call still
        // unsent 1 s after the step's end is dropped and counted, so a server that cannot
        // keep up ends the step on time instead of stretching it.
        step.ticker = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { [unowned self] task in
            let elapsed = monoSeconds() - step.startMono
            if elapsed > Double(step.count) / step.rate + 1 {
                step.closed = true
                task.cancel()
                return
            }
            let due = min(step.count, Int(elapsed * step.rate) + 1)
            while step.issued < due {
                guard let agent = self.free.popFirst() else {
                    step.waitedForAgent += 1
                    break
                }
                self.call(step.issued, agent: agent, in: step)
                step.issued += 1
            }
            if step.issued == step.count { task.cancel() }
        }
    }

    /// Whether the step is still sending or has calls in flight.
    func busy() -> (sending: Bool, outstanding: Int) {
        guard let step else { return (false, 0) }
        return (step.issued < step.count && !step.closed, step.outstanding)
    }

    /// Requests of finished steps the server has not answered yet (its backlog).
    func backlog() -> Int {
        finished.reduce(0) { $0 + $1.postsInFlight + $1.declinesInFlight }
    }

    private func call(_ i: Int, agent: Int, in step: Step) {
        let node = step.nodes[i % step.nodes.count]
        let caller = i % customers.count
        let customer = customers[caller]
        let request = HTTPRequest(
            method: .POST, path: "/v1/calls",
            headers: [("Authorization", "Bearer \(customer.token)"), ("Idempotency-Key", "bench-\(step.label)-\(i)")],
            body: "{\"agentId\":\"\(agents[agent].id.uuidString.lowercased())\"}")
        let scheduled = step.startWall + Int64(Double(i) / step.rate * 1e9)
        step.postsInFlight += 1
        pools[node].send(request).whenComplete { [unowned self] result in
            step.postsInFlight -= 1
            switch result {
            case .failure(let error):
                step.errors["POST failed: \(error)", default: 0] += 1
                self.free.append(agent)
            case .success(let answer):
                step.firstSentNs = step.firstSentNs == 0 ? answer.sentNs : min(step.firstSentNs, answer.sentNs)
                step.lateness.append(answer.sentNs - scheduled)
                step.postRoundTrips.append(answer.receivedNs - answer.sentNs)
                guard answer.status == 201, let id = Self.callID(answer.body) else {
                    step.errors[Self.describe(answer), default: 0] += 1
                    // Not rung (refused, or the answer was unreadable): free at once.
                    self.free.append(agent)
                    return
                }
                step.answered201 += 1
                var call = Outstanding(agent: agent, customer: caller, postNode: node, sentNs: answer.sentNs)
                if let early = self.early.removeValue(forKey: id) {
                    step.ringingBeforeAnswer += 1
                    if early.agent != agent { step.ringingWrongAgent += 1 }
                    call.ringNs = early.at
                }
                step.calls[id] = call
                if call.ringNs != nil { self.rang(id, in: step) }
            }
        }
    }

    /// A `call.ringing` reached agent `agent` at `at`.
    func ringing(agent: Int, callID: UUID, at: Int64) {
        guard let step = ([self.step].compactMap { $0 } + finished).first(where: { $0.calls[callID] != nil }),
              var call = step.calls[callID]
        else {
            // Before the POST's answer (the event can overtake it), or not ours.
            if ([self.step].compactMap { $0 } + finished).contains(where: { $0.postsInFlight > 0 }) {
                early[callID] = (agent, at)
            } else {
                self.step?.ringingUnknown += 1
            }
            return
        }
        guard call.ringNs == nil else { return }
        if call.agent != agent { step.ringingWrongAgent += 1 }
        call.ringNs = at
        step.calls[callID] = call
        rang(callID, in: step)
    }

    /// Both halves are in: record the set-up and have the agent decline, which frees it.
    private func rang(_ id: UUID, in step: Step) {
        guard let call = step.calls[id], let ringNs = call.ringNs else { return }
        let latency = ringNs - call.sentNs
        step.setups.append(latency)
        if agents[call.agent].node == call.postNode { step.setupsSameNode.append(latency) } else { step.setupsCrossNode.append(latency) }
        step.lastSetupNs = max(step.lastSetupNs, ringNs)
        let agent = agents[call.agent]
        step.declinesInFlight += 1
        let request = HTTPRequest(
            method: .POST, path: "/v1/calls/\(id.uuidString.lowercased())/decline",
            headers: [("Authorization", "Bearer \(agent.token)")], body: nil)
        agentPools[agent.node].send(request).whenComplete { [unowned self] result in
            step.declinesInFlight -= 1
            step.calls[id] = nil
            switch result {
            case .success(let answer) where answer.status == 200:
                self.free.append(call.agent)
            case .success(let answer):
                // Still ringing, perhaps: keep the agent out rather than cause a 409 later.
                step.declineErrors[Self.describe(answer), default: 0] += 1
            case .failure(let error):
                step.declineErrors["failed: \(error)", default: 0] += 1
            }
        }
    }

    /// Ends the step: calls answered 201 whose ringing never came are cancelled by their
    /// caller (so their agents are free for the next step), and the figures returned.
    func finish() -> EventLoopFuture<[String: Any]> {
        guard let step else { return loop.makeSucceededFuture([:]) }
        step.ticker?.cancel()
        self.step = nil
        finished = finished.filter { $0.outstanding > 0 }
        if step.outstanding > 0 { finished.append(step) }
        let missing = step.calls.filter { $0.value.ringNs == nil }
        // The figures as they stand now: a ringing that arrives while its call is being
        // cancelled below would otherwise count as a failed decline.
        let figures = report(step, missing: missing.count, postsUnanswered: step.postsInFlight, declinesUnanswered: step.declinesInFlight)
        var cancels: [EventLoopFuture<Void>] = []
        for (id, call) in missing {
            let request = HTTPRequest(
                method: .POST, path: "/v1/calls/\(id.uuidString.lowercased())/cancel",
                headers: [("Authorization", "Bearer \(customers[call.customer].token)")], body: nil)
            cancels.append(pools[call.postNode].send(request).map { answer in
                if answer.status == 200 {
                    step.calls[id] = nil
                    self.free.append(call.agent)
                }
            }.recover { _ in })
        }
        return EventLoopFuture.andAllComplete(cancels, on: loop).map { figures }
    }

    private func report(_ step: Step, missing: Int, postsUnanswered: Int, declinesUnanswered: Int) -> [String: Any] {
        let nominal = Double(step.count) / step.rate
        // Set-ups over the time from the first send to the last ringing, never shorter
        // than the step itself.
        let window = max(nominal, Double(step.lastSetupNs - step.firstSentNs) / 1e9)
        let achieved = Double(step.setups.count) / max(window, 1e-9)
        let postErrors = step.errors.values.reduce(0, +)
        let declineErrors = step.declineErrors.values.reduce(0, +)
        let errorCount = postErrors + missing + declineErrors + step.ringingWrongAgent + (step.count - step.issued)
            + postsUnanswered + declinesUnanswered
        return [
            "label": step.label, "rate_requested": step.rate, "seconds": nominal, "post_nodes": step.nodes,
            "calls_due": step.count, "calls_sent": step.issued, "answered_201": step.answered201,
            "setups": step.setups.count, "setups_per_second": (achieved * 10).rounded() / 10,
            "non_201": step.errors, "ringing_missing": missing, "decline_errors": step.declineErrors,
            "posts_unanswered": postsUnanswered, "declines_unanswered": declinesUnanswered,
            "ringing_wrong_agent": step.ringingWrongAgent, "ringing_unknown": step.ringingUnknown,
            "ringing_before_answer": step.ringingBeforeAnswer, "ticks_without_free_agent": step.waitedForAgent,
            "errors": errorCount,
            "passed": achieved >= 0.95 * step.rate && errorCount == 0,
            "setup_ms": Distribution(step.setups).json, "setup_same_node_ms": Distribution(step.setupsSameNode).json,
            "setup_cross_node_ms": Distribution(step.setupsCrossNode).json,
            "post_round_trip_ms": Distribution(step.postRoundTrips).json,
            "lateness_ms": Distribution(step.lateness).json,
            "longest_connection_queue": pools.map(\.longestQueue), "broken_connections": pools.map(\.broken),
            "longest_agent_connection_queue": agentPools.map(\.longestQueue), "broken_agent_connections": agentPools.map(\.broken),
        ]
    }

    // MARK: Parsing

    /// The `id` of a call in a 201 answer.
    static func callID(_ body: ByteBuffer) -> UUID? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
              let id = object["id"] as? String else { return nil }
        return UUID(uuidString: id)
    }

    /// "409 no-agent-available": the status and the problem's kind.
    static func describe(_ answer: HTTPAnswer) -> String {
        let object = (try? JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView))) as? [String: Any]
        let kind = (object?["type"] as? String).map { $0.split(separator: "/").last.map(String.init) ?? $0 }
        return "\(answer.status)" + (kind.map { " \($0)" } ?? "")
    }
}
