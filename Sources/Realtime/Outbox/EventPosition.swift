/// A place in the outbox's delivery order: the inserting transaction's id, then the
/// row id. Clients see it as the event id `"<txid>-<id>"` and resume after it.
public struct EventPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let transactionID: UInt64
    public let eventID: Int64

    /// Before every event.
    public static let start = EventPosition(transactionID: 0, eventID: 0)

    public init(transactionID: UInt64, eventID: Int64) {
        self.transactionID = transactionID
        self.eventID = eventID
    }

    /// Parses an event id a client sent back; nil when it is not one of ours.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let transactionID = UInt64(parts[0]), let eventID = Int64(parts[1]), eventID >= 0 else {
            return nil
        }
        self.init(transactionID: transactionID, eventID: eventID)
    }

    public var description: String { "\(transactionID)-\(eventID)" }

    public static func < (lhs: EventPosition, rhs: EventPosition) -> Bool {
        (lhs.transactionID, lhs.eventID) < (rhs.transactionID, rhs.eventID)
    }
}
