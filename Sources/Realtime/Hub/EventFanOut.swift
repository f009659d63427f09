import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import Persistence
import ServiceLifecycle

/// Reads committed events in delivery order and hands each to this node's
/// connections in its audience.
///
/// It reads when the LISTEN connection wakes it, and every `pollInterval` anyway, so
/// a lost notification only delays delivery. A notified event can sit behind the
/// horizon for a moment (an unrelated transaction is still open); the ids the
/// notifications named are remembered and re-read quickly until they arrive.
public final class EventFanOut: Service, Sendable {
    let reader: OutboxReader
    let connections: LocalConnections
    let logger: Logger
    let pollInterval: Duration
    let batchSize = 500

    private let wakeups: AsyncStream<Void>
    private let wakeupContinuation: AsyncStream<Void>.Continuation
    private let state = NIOLockedValueBox(State())
    private let deliveries = Counter(label: "switchboard_realtime_deliveries_total")
    private let eventsRead = Counter(label: "switchboard_realtime_events_read_total")
    private let lag = Timer(label: "switchboard_realtime_delivery_lag_seconds", preferredDisplayUnit: .seconds)

    private struct State {
        var position: EventPosition?
        /// Event ids named by notifications and not yet read, with when they were named.
        var awaited: [Int64: ContinuousClock.Instant] = [:]
        /// Ids delivered lately: a notification often arrives after the read that
        /// already delivered its event, and must not count as awaited.
        var recentlyDelivered: Set<Int64> = []
        var recentOrder: [Int64] = []
        var readyWaiters: [CheckedContinuation<Void, Never>] = []
    }

    public init(database: Database, connections: LocalConnections, pollInterval: Duration = .milliseconds(500), logger: Logger) {
        self.reader = OutboxReader(database: database)
        self.connections = connections
        self.pollInterval = pollInterval
        self.logger = logger
        (wakeups, wakeupContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The position this node has delivered up to; nil until it has started.
    public var position: EventPosition? { state.withLockedValue { $0.position } }

    /// Called for each notification; `eventID` is what it carried.
    public func notified(eventID: Int64?) {
        if let eventID {
            state.withLockedValue { state in
                if !state.recentlyDelivered.contains(eventID) { state.awaited[eventID] = .now }
            }
        }
        wakeupContinuation.yield()
    }

    /// Asks for a read now (after the LISTEN connection reconnects, say).
    public func wake() { wakeupContinuation.yield() }

    /// Waits until the fan-out knows its starting position, so a client that
    /// subscribes and then replays cannot fall between the two.
    public func ready() async {
        await withCheckedContinuation { continuation in
            let started = state.withLockedValue { state in
                if state.position != nil { return true }
                state.readyWaiters.append(continuation)
                return false
            }
            if started { continuation.resume() }
        }
    }

    public func run() async throws {
        let start = try await startingPosition()
        let waiters = state.withLockedValue { state in
            state.position = start
            defer { state.readyWaiters = [] }
            return state.readyWaiters
        }
        waiters.forEach { $0.resume() }
        logger.info("event fan-out started", metadata: ["position": "\(start)"])

        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // The safety poll: wakes the loop even if every notification were lost.
                    group.addTask { [pollInterval = self.pollInterval, wakeupContinuation = self.wakeupContinuation] in
                        while !Task.isCancelled {
                            try await Task.sleep(for: pollInterval)
                            wakeupContinuation.yield()
                        }
                    }
                    group.addTask { try await self.readLoop() }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch is CancellationError {}
    }

    private func readLoop() async throws {
        var retryDelay = Duration.milliseconds(2)
        for await _ in wakeups {
            while !Task.isCancelled {
                let count: Int
                do {
                    count = try await readAndDeliver()
                    if count == batchSize { continue }  // more are waiting
                } catch {
                    logger.warning("reading events failed", metadata: ["error": "\(String(reflecting: error))"])
                    break
                }
                // A notified event still behind the horizon: look again soon. The wait
                // grows only while reads find nothing: under a steady stream of events
                // some are always awaited, and a wait that kept growing across reads
                // that delivered would reach its 100 ms cap and hold every later event
                // back that long.
                guard hasAwaitedEvents() else {
                    retryDelay = .milliseconds(2)
                    break
                }
                if count > 0 { retryDelay = .milliseconds(2) }
                try await Task.sleep(for: retryDelay)
                retryDelay = min(retryDelay * 2, .milliseconds(100))
            }
        }
    }

    private func hasAwaitedEvents() -> Bool {
        state.withLockedValue { state in
            // Forget ids that do not show up soon: a long transaction elsewhere is
            // holding the horizon, and the safety poll covers that case.
            let cutoff = ContinuousClock.now - .seconds(2)
            state.awaited = state.awaited.filter { $0.value > cutoff }
            return !state.awaited.isEmpty
        }
    }

    /// Reads one batch after the current position and delivers it; returns its size.
    private func readAndDeliver() async throws -> Int {
        guard let position = self.position else { return 0 }
        let events = try await reader.events(after: position, limit: batchSize, logger: logger)
        guard let last = events.last else { return 0 }
        let now = Date()
        var delivered = 0
        for event in events {
            delivered += connections.deliver(EncodedEvent(event), tenantID: event.tenantID, audience: event.audience)
            lag.recordSeconds(max(0, now.timeIntervalSince(event.occurredAt)))
        }
        state.withLockedValue { state in
            state.position = last.position
            for event in events {
                let id = event.position.eventID
                state.awaited[id] = nil
                if state.recentlyDelivered.insert(id).inserted { state.recentOrder.append(id) }
            }
            if state.recentOrder.count > 8192 {
                let dropped = state.recentOrder.count - 4096
                for id in state.recentOrder.prefix(dropped) { state.recentlyDelivered.remove(id) }
                state.recentOrder.removeFirst(dropped)
            }
        }
        eventsRead.increment(by: events.count)
        deliveries.increment(by: delivered)
        return events.count
    }

    /// The newest event already committed: the node delivers what comes after it.
    /// Clients resuming from older ids replay from the table, not from here.
    private func startingPosition() async throws -> EventPosition {
        var delay = Duration.milliseconds(100)
        while true {
            do {
                return try await reader.newestPosition(logger: logger)
            } catch {
                logger.warning("event fan-out cannot read its start yet", metadata: ["error": "\(String(reflecting: error))"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }
}
