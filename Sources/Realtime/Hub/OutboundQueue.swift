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
        var closeHandlers: [@Sendable (CloseReason) -> Void] = []
    }

    public init(maximumEvents: Int = 1000, maximumBytes: Int = 1 << 20) {
        self.maximumEvents = maximumEvents
        self.maximumBytes = maximumBytes
    }

    /// Adds `event`; false when the queue is (or just became) closed.
    @discardableResult
    public func push(_ event: EncodedEvent) -> Bool {
        enum Outcome { case handed(CheckedContinuation<OutboundItem, Never>), queued, overflowed, closed }
        let outcome: Outcome = state.withLockedValue { state in
            guard state.closeReason == nil else { return .closed }
            if let waiter = state.waiter {
                state.waiter = nil
                return .handed(waiter)
            }
            let size = event.json.readableBytes
            if state.events.count + 1 > maximumEvents || state.bytes + size > maximumBytes { return .overflowed }
            state.events.append(event)
            state.bytes += size
            return .queued
        }
        switch outcome {
        case .handed(let waiter):
            waiter.resume(returning: .events([event]))
            return true
        case .queued:
            return true
        case .overflowed:
            close(.slowConsumer)
            return false
        case .closed:
            return false
        }
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
        let (waiter, handlers) = state.withLockedValue { state -> (CheckedContinuation<OutboundItem, Never>?, [@Sendable (CloseReason) -> Void]) in
            guard state.closeReason == nil else { return (nil, []) }
            state.closeReason = reason
            state.events = []
            state.bytes = 0
            defer {
                state.waiter = nil
                state.closeHandlers = []
            }
            return (state.waiter, state.closeHandlers)
        }
        waiter?.resume(returning: .close(reason))
        for handler in handlers { handler(reason) }
    }

    /// Runs `handler` once the queue closes (at once if it already has), also while
    /// the writer is stuck in a write to a client that stopped reading.
    public func onClose(_ handler: @escaping @Sendable (CloseReason) -> Void) {
        let reason = state.withLockedValue { state -> CloseReason? in
            if let reason = state.closeReason { return reason }
            state.closeHandlers.append(handler)
            return nil
        }
        if let reason { handler(reason) }
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
