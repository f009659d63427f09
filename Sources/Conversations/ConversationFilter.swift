import Foundation

/// What `GET /v1/conversations` narrows the inbox to.
public struct ConversationFilter: Sendable {
    public enum Assignee: Sendable, Equatable {
        case user(UUID)
        case unassigned
    }

    public var channel: Conversation.Channel?
    public var status: Conversation.Status?
    public var assignee: Assignee?
    public var contactID: UUID?
    /// Only conversations with messages the reading user has not read.
    public var unreadOnly = false

    public init() {}
}

/// A position in the inbox (newest message first): the last item's time and id.
public struct ConversationCursor: Sendable, Equatable {
    public let lastMessageAt: Date
    public let id: UUID

    public init(lastMessageAt: Date, id: UUID) {
        self.lastMessageAt = lastMessageAt
        self.id = id
    }

    /// `micros|uuid`: exact to the microsecond PostgreSQL stores.
    public var text: String {
        "\(Int64((lastMessageAt.timeIntervalSince1970 * 1_000_000).rounded()))|\(id.uuidString)"
    }

    public init?(text: String) {
        let parts = text.split(separator: "|")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.init(lastMessageAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000), id: id)
    }

    var micros: Int64 { Int64((lastMessageAt.timeIntervalSince1970 * 1_000_000).rounded()) }
}
