/// No pooled connection could be had in time: the database is down or unreachable
/// (the pool's own connection attempts are failing), so the API answers 503.
public struct DatabaseUnavailable: Error, CustomStringConvertible, Sendable {
    public let waited: Duration

    public var description: String { "no database connection became available within \(waited)" }
}
