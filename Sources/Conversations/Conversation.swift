import Foundation

/// One thread with one customer: a portal customer's chat, or a contact's WhatsApp.
public struct Conversation: Sendable, Equatable {
    public enum Channel: String, Sendable, CaseIterable { case portal, whatsapp }
    public enum Status: String, Sendable, CaseIterable { case open, resolved }

    /// Who is on the other side, as the inbox shows them.
    public struct Party: Sendable, Equatable {
        public let id: UUID
        public let name: String
        public let phone: String?
    }

    public let id: UUID
    public let tenantID: UUID
    public let channel: Channel
    public var contact: Party?
    public var customer: Party?
    public var assigneeID: UUID?
    public var status: Status
    public var lastMessageAt: Date
    public var lastMessagePreview: String?
    public var lastInboundAt: Date?
    public var windowClosedAt: Date?
    public let createdAt: Date
    public var updatedAt: Date
    public var resolvedAt: Date?
    /// Messages from the other side the reading user has not read yet.
    public var unreadCount: Int

    /// When WhatsApp's customer-service window closes (nil for portal chats, or when
    /// it is closed). Free text can be sent only while it is open.
    public func windowExpiresAt(now: Date = Date()) -> Date? {
        WhatsAppWindow(lastInboundAt: lastInboundAt, closedAt: windowClosedAt).expiresAt(now: now)
    }
}
