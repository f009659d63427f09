import Foundation
import NIOConcurrencyHelpers

/// A real-time client that behaves like a browser tab: when its connection ends it
/// connects again, to the next node if that one is gone, resuming from the last event
/// it received. `events` is everything it received over all its connections.
final class ResumingClient: Sendable {
    private struct State {
        var received: [ReceivedEvent] = []
        var current: RealtimeSubscription?
        var reconnectRequested = false
        var stopped = false
        var connections = 0
        var failedAttempts = 0
        var closeCodes: [UInt16] = []
        var malformed: [String] = []
    }

    let transport: RealtimeClient.Transport
    private let token: String
    private let bases: [String]
    private let start: String
    private let state = NIOLockedValueBox(State())
    private let loop = NIOLockedValueBox<Task<Void, Never>?>(nil)

    /// Connects to `bases[first]` from event `start` and keeps the stream going.
    init(token: String, bases: [String], first: Int, from start: String, transport: RealtimeClient.Transport = .webSocket) {
        self.token = token
        self.bases = bases
        self.start = start
        self.transport = transport
        let task = Task { [self] in await run(node: first) }
        loop.withLockedValue { $0 = task }
    }

    var events: [ReceivedEvent] {
        state.withLockedValue { state in state.received + (state.current?.events ?? []) }
    }

    var ids: [String] { events.map(\.id) }
    /// Connections opened so far (the first one included).
    var connections: Int { state.withLockedValue { $0.connections } }
    var failedAttempts: Int { state.withLockedValue { $0.failedAttempts } }
    var closeCodes: [UInt16] { state.withLockedValue { $0.closeCodes } }
    var malformed: [String] { state.withLockedValue { $0.malformed } }
    var isConnected: Bool { state.withLockedValue { $0.current.map { !$0.recorder.ended } ?? false } }

    /// Drops the connection from this side (a network blip); the client reconnects at once.
    func reconnect() {
        state.withLockedValue { $0.reconnectRequested = true }
    }

    /// Waits until `condition` holds for the events so far, or `timeout` passes.
    func wait(timeout: Duration, until condition: ([ReceivedEvent]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(events) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(events)
    }

    func stop() async {
        state.withLockedValue { $0.stopped = true }
        await loop.withLockedValue { $0 }?.value
    }

    private func run(node first: Int) async {
        var node = first
        while !state.withLockedValue({ $0.stopped }) {
            let resumeFrom = state.withLockedValue { $0.received.last?.id } ?? start
            let subscription: RealtimeSubscription
            do {
                subscription = try await RealtimeClient.connect(transport, baseURL: bases[node], token: token, lastEventID: resumeFrom)
            } catch {
                // Refused or unreachable (a killed node, the database away): try the next node.
                state.withLockedValue { $0.failedAttempts += 1 }
                node = (node + 1) % bases.count
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            state.withLockedValue { state in
                state.current = subscription
                state.connections += 1
            }
            var requested = false
            while !subscription.recorder.ended {
                let (stop, reconnect) = state.withLockedValue { ($0.stopped, $0.reconnectRequested) }
                if stop || reconnect {
                    requested = reconnect
                    break
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
            await subscription.close()
            state.withLockedValue { state in
                state.received += subscription.events
                state.malformed += subscription.recorder.malformed
                if let code = subscription.recorder.closeCode { state.closeCodes.append(code) }
                state.current = nil
                state.reconnectRequested = false
            }
            // A connection the server ended may mean the node is going away: use the next one.
            if !requested { node = (node + 1) % bases.count }
        }
    }
}
