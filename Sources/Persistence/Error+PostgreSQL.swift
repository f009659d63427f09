import PostgresNIO
// ConnectionPoolError is public in this module, which PostgresNIO builds its pool on.
import _ConnectionPoolModule

extension Error {
    /// The name of the unique constraint or index this error violated, if it is one.
    public var violatedUniqueConstraint: String? {
        guard let error = self as? PSQLError, error.serverInfo?[.sqlState] == "23505" else { return nil }
        return error.serverInfo?[.constraintName] ?? ""
    }

    /// True when the database could not be reached or dropped the connection:
    /// retrying later may succeed, so the API answers 503 rather than 500.
    public var isDatabaseUnavailable: Bool {
        if let error = self as? PostgresTransactionError {
            return [error.beginError, error.closureError, error.commitError].contains { $0?.isDatabaseUnavailable == true }
        }
        if self is DatabaseUnavailable || self is ConnectionClosed { return true }
        // The pool gave up connecting (its circuit breaker) or was replaced after an outage.
        if let error = self as? ConnectionPoolError {
            return error == .connectionCreationCircuitBreakerTripped || error == .poolShutdown
        }
        guard let error = self as? PSQLError else { return false }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown:
            return true
        default:
            // Class 08 is "connection exception"; 57P01-57P03 are shutdowns and start-ups.
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
        }
    }
}
