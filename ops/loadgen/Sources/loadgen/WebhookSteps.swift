import Foundation
import NIOCore

/// Runs one open-loop step of a `WebhookDriver` and waits for it to settle: until the
/// server has processed every stored delivery (sampled in the database as the superuser)
/// and the agents have every event, or `settle` s, so each step's figures are its own
/// and say how long processing ran on after the load. Shared by `loadgen webhooks` and
/// `loadgen payments`.
struct WebhookSteps {
    let loop: EventLoop
    let driver: WebhookDriver
    let backlog: DeliveryBacklog
    let meter: CPUMeter
    let settle: Double
    /// What the provider's processing left for step `index`, started at wall ns `since`
    /// (merged into the step's `deliveries`).
    let outcomes: (_ index: Int, _ since: Int64) async throws -> [String: Any]

    /// The step's figures with CPU, commit rate, the backlog over time and what the
    /// database says about processing.
    func run(_ name: String, rate: Double, seconds: Double) async throws -> [String: Any] {
        let cpuStart = meter.read()
        let commitsStart = try await backlog.transactions()
        let startMono = monoSeconds()
        let startWall = try await loop.submit { driver.start(label: name, rate: rate, duration: seconds) }.get()
        try await waitForAnswers(driver, startMono: startMono, seconds: seconds)
        let cpuLoad = meter.read()
        let commitsLoad = try await backlog.transactions()
        let backlogAtLoadEnd = backlog.latest?.count ?? -1
        // Processing and events catch up.
        let drainStart = monoSeconds()
        var caughtUp = false
        var eventsComplete = false
        var idleSince: Double?
        while monoSeconds() - drainStart < settle {
            let pending = try await backlog.unprocessed()
            let (expected, received) = try await loop.submit { driver.receipts() }.get()
            eventsComplete = received >= expected
            if pending == 0 {
                caughtUp = true
                if eventsComplete { break }
                // Processed, yet events missing: give them 5 s more, then stop waiting.
                if idleSince == nil { idleSince = monoSeconds() }
                if monoSeconds() - idleSince! > 5 { break }
            } else {
                idleSince = nil
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let drainSeconds = monoSeconds() - drainStart
        let cpuEnd = meter.read()
        let commitsEnd = try await backlog.transactions()
        var result = try await loop.submit { driver.report() }.get()
        let loadEnd = result["load_end_wall_ns"] as? Int64 ?? wallNanos()
        let loadSeconds = max(cpuLoad.at - cpuStart.at, 1e-9)
        let drainCPUSeconds = max(cpuEnd.at - cpuLoad.at, 1e-9)
        result["cpu_load"] = meter.use(from: cpuStart, to: cpuLoad)
        result["cpu_drain"] = drainCPUSeconds > 0.5 ? meter.use(from: cpuLoad, to: cpuEnd) : NSNull()
        result["commits_per_second_load"] = (Double(commitsLoad.commits - commitsStart.commits) / loadSeconds).rounded()
        result["commits_per_second_drain"] = drainCPUSeconds > 0.5
            ? (Double(commitsEnd.commits - commitsLoad.commits) / drainCPUSeconds).rounded() : NSNull()
        result["rollbacks"] = commitsEnd.rollbacks - commitsStart.rollbacks
        result["backlog_at_load_end"] = backlogAtLoadEnd
        result["backlog_timeline"] = backlog.timeline(from: startWall)
        result["backlog_max"] = backlog.timeline(from: startWall).map { Int($0[1]) }.max() ?? 0
        result["caught_up"] = caughtUp
        result["events_complete"] = eventsComplete
        result["settle_seconds"] = (drainSeconds * 10).rounded() / 10
        let index = result["step"] as? Int ?? 0
        var deliveries = try await backlog.deliveries(since: startWall, loadEnd: loadEnd)
        deliveries.merge(try await outcomes(index, startWall)) { _, outcome in outcome }
        result["deliveries"] = deliveries
        var brief = result
        brief["backlog_timeline"] = nil
        log("step: \(brief)")
        return result
    }

    /// The same open-loop rate against the bare route (`bare` drives a `BareRoute`), on
    /// the same connections, once a step has settled: what this machine gave the
    /// simplest route at that rate in this run, to read the step's latencies against.
    func runBare(_ bare: WebhookDriver, rate: Double, seconds: Double) async throws -> [String: Any] {
        let startMono = monoSeconds()
        _ = try await loop.submit { bare.start(label: "bare", rate: rate, duration: seconds) }.get()
        try await waitForAnswers(bare, startMono: startMono, seconds: seconds)
        let figures = try await loop.submit { bare.report() }.get()
        let kept: Set = ["ack_from_due_ms", "ack_on_wire_ms", "acks_per_second", "errors", "non_200", "failures"]
        return figures.filter { kept.contains($0.key) }
    }

    /// Until `driver` has sent its step and every answer is in (or a minute overdue:
    /// those count as unanswered).
    private func waitForAnswers(_ driver: WebhookDriver, startMono: Double, seconds: Double) async throws {
        while true {
            try await Task.sleep(for: .milliseconds(100))
            let (sending, inFlight) = try await loop.submit { driver.busy() }.get()
            if !sending && inFlight == 0 { return }
            if !sending, monoSeconds() - startMono > seconds + 60 { return }
        }
    }
}
