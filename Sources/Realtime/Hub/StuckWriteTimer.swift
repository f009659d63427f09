import NIOConcurrencyHelpers

/// Drops a closed connection's socket if its writer has not finished `grace` after
/// the close (it is stuck writing to a client that stopped reading). Finishing in
/// time cancels the timer, so a normal close leaves no task behind.
final class StuckWriteTimer: Sendable {
    private struct State {
        var finished = false
        var task: Task<Void, Never>?
    }
    private let state = NIOLockedValueBox(State())

    func start(after grace: Duration, abort: @escaping @Sendable () -> Void) {
        state.withLockedValue { state in
            guard !state.finished, state.task == nil else { return }
            state.task = Task {
                guard (try? await Task.sleep(for: grace)) != nil else { return }
                abort()
            }
        }
    }

    /// The writer is done: nothing to drop.
    func finish() {
        let task = state.withLockedValue { state -> Task<Void, Never>? in
            state.finished = true
            defer { state.task = nil }
            return state.task
        }
        task?.cancel()
    }
}
