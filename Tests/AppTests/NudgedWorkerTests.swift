import Persistence
import Synchronization
import Testing

/// The durable queues' worker loop: how many items it works on at once.
@Suite struct NudgedWorkerTests {
    /// Items being worked on now, and the most seen at once since the last reset.
    final class Gauge: Sendable {
        private let state = Mutex((now: 0, most: 0, done: 0))
        func begin() {
            state.withLock {
                $0.now += 1; $0.most = max($0.most, $0.now)
            }
        }
        func end() {
            state.withLock {
                $0.now -= 1; $0.done += 1
            }
        }
        func takeMost() -> Int {
            state.withLock { state in
                defer { state.most = state.now }; return state.most
            }
        }
        var done: Int { state.withLock { $0.done } }
    }

    /// Runs `worker` (nothing to poll), each item taking `each`, counted by `gauge`.
    static func start(_ worker: NudgedWorker<Int>, each: Duration, gauge: Gauge) -> Task<Void, Never> {
        Task {
            await worker.run(poll: { [] }) { _ in
                gauge.begin()
                try? await Task.sleep(for: each)
                gauge.end()
            }
        }
    }

    @Test("one item at a time while nudges keep arriving, then the backlog at full concurrency")
    func concurrencyFollowsArrivals() async throws {
        let worker = NudgedWorker<Int>(
            pollInterval: .seconds(60), concurrency: 4, concurrencyWhileArriving: 1, arrivalWindow: .seconds(1))
        let gauge = Gauge()
        let running = Self.start(worker, each: .milliseconds(20), gauge: gauge)
        defer { running.cancel() }
        // 80 items, one every 5 ms: four times what one worker keeps up with. (The
        // window is long so that a stalled test machine does not end it early.)
        for item in 0..<80 {
            worker.nudge(item)
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(gauge.takeMost() == 1)
        #expect(gauge.done < 80)
        // Quiet: the rest is worked off four at a time.
        while gauge.done < 80 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(gauge.takeMost() == 4)
    }

    @Test("without a separate limit for arrivals, nudged items run at full concurrency")
    func fullConcurrencyByDefault() async throws {
        let worker = NudgedWorker<Int>(pollInterval: .seconds(60), concurrency: 4)
        let gauge = Gauge()
        let running = Self.start(worker, each: .milliseconds(50), gauge: gauge)
        defer { running.cancel() }
        for item in 0..<8 { worker.nudge(item) }
        while gauge.done < 8 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(gauge.takeMost() == 4)
    }

    @Test("a batch is the oldest waiting item with the later ones allowed beside it, up to the batch size, in order")
    func batchesFollowTheQueue() async throws {
        let worker = NudgedWorker<Int>(pollInterval: .seconds(60), concurrency: 1, batchSize: 5)
        let batches = Mutex<[[Int]]>([])
        let running = Task {
            // Odd and even items never share a batch (as two tenants' deliveries).
            await worker.run(poll: { [] }, sameBatch: { $0 % 2 == $1 % 2 }) { batch in
                batches.withLock { $0.append(batch) }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { running.cancel() }
        worker.nudge(0)
        while batches.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) }
        // Nothing else waited: 0 went alone. These wait for it to finish.
        for item in 1...14 { worker.nudge(item) }
        worker.nudge(3)  // waiting already: not queued twice
        while batches.withLock({ $0.joined().count }) < 15 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(150))
        #expect(batches.withLock { $0 } == [[0], [1, 3, 5, 7, 9], [2, 4, 6, 8, 10], [11, 13], [12, 14]])
    }
}
