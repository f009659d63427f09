import Foundation

/// Where a page of a conversation's messages ends: the last message's time and its
/// `seq`. Messages are listed by time, then by the order they were stored (see
/// `MessageStore.page`); the time is kept to the microsecond, as PostgreSQL stores it.
public struct MessageCursor: Sendable, Equatable {
    public let microseconds: Int64
    public let seq: Int64

    public init(createdAt: Date, seq: Int64) {
        self.microseconds = Int64((createdAt.timeIntervalSince1970 * 1_000_000).rounded())
        self.seq = seq
    }

    /// "microseconds.seq", as the server issues it (inside the page's opaque cursor).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let microseconds = Int64(parts[0]), let seq = Int64(parts[1]) else { return nil }
        self.microseconds = microseconds
        self.seq = seq
    }

    public var description: String { "\(microseconds).\(seq)" }
}
