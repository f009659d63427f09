import NIOConcurrencyHelpers

/// What a connection's writer takes next.
public enum OutboundItem: Sendable {
    case events([EncodedEvent])
    /// Nothing to send for a while: SSE writes a comment line to keep proxies open.
    case heartbeat
    case close(CloseReason)
}

/// A connection's bounded buffer between the fan-out and its socket writer.
///
/// The fan-out never waits on a client: when a client falls `maximumEvents` events or
/// `maximumBytes` bytes behind, the queue drops what it holds and closes with
/// `slowConsumer`, so one slow reader can neither grow memory nor hold others back.
public final class OutboundQueue: Sendable {
    public let maximumEvents: Int
    public let maximumBytes: Int
    private let state = NIOLockedValueBox(State())

    private struct State {
        var events: [EncodedEvent] = []
        var bytes = 0
        var heartbeatDue = false
        var closeReason: CloseReason?
        var waiter: CheckedContinuation<OutboundItem, Never>?
    }

    public init(maximumEvents: Int = 1000, maximumBytes: Int = 1 << 20) {
        self.maximumEvents = maximumEvents
        self.maximumBytes = maximumBytes
    }

    /// Adds `event`; false when the queue is (or just became) closed.
    @discardableResult
    public func push(_ event: EncodedEvent) -> Bool {
        let (waiter, item): (CheckedContinuation<OutboundItem, Never>?, OutboundItem?) = state.withLockedValue { state in
            guard state.closeReason == nil else { return (nil, nil) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, .events([event]))
            }
            let size = event.json.readableBytes
            if state.events.count + 1 > maximumEvents || state.bytes + size > maximumBytes {
                state.events = []
                state.bytes = 0
                state.closeReason = .slowConsumer
                return (nil, nil)
            }
            state.events.append(event)
            state.bytes += size
            return (nil, nil)
        }
        if let waiter, let item {
            waiter.resume(returning: item)
            return true
        }
        return state.withLockedValue { $0.closeReason == nil }
    }

    /// Asks the writer to send a heartbeat if it is idle.
    public func heartbeat() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<OutboundItem, Never>? in
            guard state.closeReason == nil else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.heartbeatDue = true
            return nil
        }
        waiter?.resume(returning: .heartbeat)
    }

    /// Ends the connection with `reason` (the first reason wins).
    public func close(_ reason: CloseReason) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<OutboundItem, Never>? in
            guard state.closeReason == nil else { return nil }
            state.closeReason = reason
            state.events = []
            state.bytes = 0
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: .close(reason))
    }

    public var closeReason: CloseReason? { state.withLockedValue { $0.closeReason } }

    /// Everything queued, or waits for the next item. One writer only; cancelling
    /// the writer closes the queue.
    public func next() async -> OutboundItem {
        await withTaskCancellationHandler {
            await waitForNext()
        } onCancel: {
            close(.serverRestarting)
        }
    }

    private func waitForNext() async -> OutboundItem {
        await withCheckedContinuation { continuation in
            let ready: OutboundItem? = state.withLockedValue { state in
                if let reason = state.closeReason { return .close(reason) }
                if !state.events.isEmpty {
                    defer {
                        state.events = []
                        state.bytes = 0
                        state.heartbeatDue = false
                    }
                    return .events(state.events)
                }
                if state.heartbeatDue {
                    state.heartbeatDue = false
                    return .heartbeat
                }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
