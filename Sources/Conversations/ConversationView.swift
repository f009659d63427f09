import Foundation

/// A conversation as the API and the `conversation.*` events show it. Nulls are
/// written out, so clients see every field.
public struct ConversationView: Encodable, Sendable {
    struct Party: Encodable, Sendable {
        let id: UUID
        let name: String
        let phone: String?
    }

    struct Window: Encodable, Sendable {
        let open: Bool
        let expiresAt: Date?
    }

    let id: UUID
    let channel: String
    let status: String
    let contact: Party?
    let customer: Party?
    let assigneeId: UUID?
    let lastMessageAt: Date
    let lastMessagePreview: String?
    let unreadCount: Int
    /// WhatsApp's customer-service window (WhatsApp conversations only).
    let window: Window?
    let createdAt: Date
    let updatedAt: Date
    let resolvedAt: Date?

    /// `forCustomer` leaves out the CRM contact (customers see only themselves).
    public init(_ conversation: Conversation, forCustomer: Bool, now: Date = Date()) {
        id = conversation.id
        channel = conversation.channel.rawValue
        status = conversation.status.rawValue
        contact = forCustomer ? nil : conversation.contact.map { Party(id: $0.id, name: $0.name, phone: $0.phone) }
        customer = conversation.customer.map { Party(id: $0.id, name: $0.name, phone: forCustomer ? nil : $0.phone) }
        assigneeId = conversation.assigneeID
        lastMessageAt = conversation.lastMessageAt
        lastMessagePreview = conversation.lastMessagePreview
        unreadCount = conversation.unreadCount
        if conversation.channel == .whatsapp {
            let expiry = conversation.windowExpiresAt(now: now)
            window = Window(open: expiry != nil, expiresAt: expiry)
        } else {
            window = nil
        }
        createdAt = conversation.createdAt
        updatedAt = conversation.updatedAt
        resolvedAt = conversation.resolvedAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(channel, forKey: .channel)
        try container.encode(status, forKey: .status)
        try container.encode(contact, forKey: .contact)
        try container.encode(customer, forKey: .customer)
        try container.encode(assigneeId, forKey: .assigneeId)
        try container.encode(lastMessageAt, forKey: .lastMessageAt)
        try container.encode(lastMessagePreview, forKey: .lastMessagePreview)
        try container.encode(unreadCount, forKey: .unreadCount)
        try container.encode(window, forKey: .window)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(resolvedAt, forKey: .resolvedAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, channel, status, contact, customer, assigneeId, lastMessageAt, lastMessagePreview, unreadCount, window, createdAt,
            updatedAt, resolvedAt
    }
}
