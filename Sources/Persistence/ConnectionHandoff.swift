import PostgresNIO
import Synchronization

/// One pooled connection passed from the task that leased it to the task that uses it.
///
/// PostgresNIO lends a connection only for the length of a `withConnection` closure and
/// lets a lease wait for as long as the pool keeps trying to connect (a minute, while
/// the database is down). To give up on the wait without moving the caller's work into
/// another task, a holder task leases the connection and hands it over here; the
/// caller either takes it or, after its deadline, walks away, and the holder then
/// gives the connection straight back to the pool.
final class ConnectionHandoff: Sendable {
    private enum State {
        case waiting(CheckedContinuation<PostgresConnection, any Error>?)
        case offered(PostgresConnection)
        case lent
        case failed(any Error)
        case abandoned
    }

    private let state = Mutex<State>(.waiting(nil))
    private let returned = Mutex<(done: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    /// The borrower's side: waits for `offer` or `fail`, or gives up through `abandon`.
    func take() async throws -> PostgresConnection {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<PostgresConnection, any Error>? = state.withLock { state in
                switch state {
                case .waiting:
                    state = .waiting(continuation)
                    return nil
                case .offered(let connection):
                    state = .lent
                    return .success(connection)
                case .failed(let error):
                    return .failure(error)
                case .abandoned:
                    return .failure(CancellationError())
                case .lent:
                    preconditionFailure("a connection handoff was taken twice")
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// The holder's side: hands `connection` over; false when the borrower gave up,
    /// in which case the holder returns the connection to the pool at once.
    func offer(_ connection: PostgresConnection) -> Bool {
        let waiter: CheckedContinuation<PostgresConnection, any Error>?? = state.withLock { state in
            guard case .waiting(let waiter) = state else { return .none }
            if let waiter {
                state = .lent
                return .some(waiter)
            }
            state = .offered(connection)
            return .some(nil)
        }
        guard let waiter else { return false }
        waiter?.resume(returning: connection)
        return true
    }

    /// The holder's side: the pool could not lend a connection.
    func fail(_ error: any Error) {
        let waiter: CheckedContinuation<PostgresConnection, any Error>? = state.withLock { state in
            guard case .waiting(let waiter) = state else { return nil }
            state = .failed(error)
            return waiter
        }
        waiter?.resume(throwing: error)
    }

    /// The borrower's side: stop waiting with `error`; true when nothing had been
    /// handed over yet (otherwise the connection is the borrower's to use and return).
    func abandon(with error: any Error) -> Bool {
        let outcome: (abandoned: Bool, waiter: CheckedContinuation<PostgresConnection, any Error>?) = state.withLock { state in
            guard case .waiting(let waiter) = state else { return (false, nil) }
            state = .abandoned
            return (true, waiter)
        }
        outcome.waiter?.resume(throwing: error)
        return outcome.abandoned
    }

    /// The borrower's side: done with the connection.
    func giveBack() {
        let waiter = returned.withLock { returned in
            returned.done = true
            defer { returned.waiter = nil }
            return returned.waiter
        }
        waiter?.resume()
    }

    /// The holder's side: waits until the borrower is done with the connection.
    func waitUntilGivenBack() async {
        await withCheckedContinuation { continuation in
            let done = returned.withLock { returned in
                if !returned.done { returned.waiter = continuation }
                return returned.done
            }
            if done { continuation.resume() }
        }
    }
}
