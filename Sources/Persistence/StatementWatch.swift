import PostgresNIO
import Synchronization

/// Statements in flight on pooled connections, and an answer for those that will never
/// get one from PostgresNIO.
///
/// PostgresNIO (1.33) writes each statement to the connection's channel without a write
/// promise. When the channel closed an instant before (the server went away), the write
/// is dropped together with the statement's promise, and the statement is awaited for
/// ever: a request that never answers, or a worker that stops. So each statement runs
/// in a task of its own while its caller waits here; a sweep that finds the statement's
/// connection closed twice in a row answers the caller with `ConnectionClosed`. Any
/// statement PostgresNIO did receive has been failed by then: it fails them all as the
/// channel goes inactive. A dropped statement's task stays suspended (a few hundred
/// bytes per occurrence, only when a connection dies under a statement).
///
/// A statement sent with PostgresNIO's future interface (`answer(_:on:)`) needs no
/// task of its own: its future is watched instead, which saves a task and a thread
/// switch per statement.
final class StatementWatch: Sendable {
    private struct Pending: Sendable {
        let connection: PostgresConnection
        let giveUp: @Sendable () -> Void
        var seenClosed = false
    }

    private struct State {
        var lastID: UInt64 = 0
        var pending: [UInt64: Pending] = [:]
    }

    let sweepInterval: Duration
    private let state = Mutex(State())

    init(sweepInterval: Duration = .milliseconds(250)) {
        self.sweepInterval = sweepInterval
    }

    /// Runs `statement`, which uses `connection`, and answers with its result, or with
    /// `ConnectionClosed` once the connection has closed without it answering.
    func run<Value: Sendable>(
        on connection: PostgresConnection, _ statement: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let answer = FirstAnswer(continuation)
            let id = watch(connection, answer)
            Task {
                let result: Result<Value, any Error>
                do { result = .success(try await statement()) } catch { result = .failure(error) }
                answered(id, answer, result)
            }
        }
    }

    /// Waits for `statement`, already sent on `connection`, and answers with its result,
    /// or with `ConnectionClosed` once the connection has closed without it answering.
    func answer<Value: Sendable>(_ statement: EventLoopFuture<Value>, on connection: PostgresConnection) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let answer = FirstAnswer(continuation)
            let id = watch(connection, answer)
            statement.whenComplete { result in self.answered(id, answer, result) }
        }
    }

    private func watch<Value: Sendable>(_ connection: PostgresConnection, _ answer: FirstAnswer<Value>) -> UInt64 {
        state.withLock { state in
            state.lastID &+= 1
            state.pending[state.lastID] = Pending(connection: connection) {
                answer.resume(with: .failure(ConnectionClosed()))
            }
            return state.lastID
        }
    }

    private func answered<Value: Sendable>(_ id: UInt64, _ answer: FirstAnswer<Value>, _ result: Result<Value, any Error>) {
        _ = state.withLock { $0.pending.removeValue(forKey: id) }
        answer.resume(with: result)
    }

    /// Sweeps every `sweepInterval` until cancelled.
    func keepSweeping() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: sweepInterval)
            sweep()
        }
    }

    /// Gives up on statements whose connection was already closed at the previous sweep.
    func sweep() {
        let abandoned = state.withLock { state -> [Pending] in
            var abandoned: [Pending] = []
            for (id, statement) in state.pending where statement.connection.isClosed {
                if statement.seenClosed {
                    abandoned.append(statement)
                    state.pending[id] = nil
                } else {
                    state.pending[id]?.seenClosed = true
                }
            }
            return abandoned
        }
        for statement in abandoned { statement.giveUp() }
    }

    /// Statements waiting for an answer right now.
    var inFlight: Int { state.withLock { $0.pending.count } }
}

/// A continuation resumed by whichever answer comes first; later answers are dropped.
private final class FirstAnswer<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, any Error>?>

    init(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation = Mutex(continuation)
    }

    func resume(with result: Result<Value, any Error>) {
        let waiting = continuation.withLock { continuation in
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(with: result)
    }
}
