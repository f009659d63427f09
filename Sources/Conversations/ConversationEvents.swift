import Accounts
import Foundation
import Logging
import Persistence
import PostgresNIO
import Realtime

/// The `chat.*` and `conversation.*` events, written in the transaction that makes
/// the change. Staff hear a conversation through its assignee, or every staff member
/// while it is unassigned; a portal conversation's customer hears it too, in events
/// of their own that leave out the CRM contact.
struct ConversationEvents: Sendable {
    let outbox = EventOutbox()

    static func staffAudience(_ conversation: Conversation) -> EventAudience {
        conversation.assigneeID.map { .user($0) } ?? .staff
    }

    struct MessageEvent: Encodable {
        let conversationId: UUID
        let channel: String
        let contact: ConversationView.Party?
        let assigneeId: UUID?
        let message: MessageView
    }

    /// `chat.message`: a new message, to the staff audience and the portal customer.
    func message(_ message: ChatMessage, in conversation: Conversation, on connection: PooledConnection, logger: Logger) async throws {
        try await toBothSides(type: "chat.message", conversation, on: connection, logger: logger) { forCustomer in
            MessageEvent(
                conversationId: conversation.id, channel: conversation.channel.rawValue,
                contact: forCustomer ? nil : conversation.contact.map { .init(id: $0.id, name: $0.name, phone: $0.phone) },
                assigneeId: conversation.assigneeID, message: MessageView(message)
            )
        }
    }

    /// `chat.message` for several messages (WhatsApp conversations: staff only), in
    /// one statement, in their order.
    func whatsappMessages(_ messages: [(ChatMessage, Conversation)], on connection: PooledConnection, logger: Logger) async throws {
        guard let tenantID = messages.first?.1.tenantID else { return }
        let entries = try messages.map { message, conversation in
            precondition(conversation.customer == nil, "a WhatsApp conversation has no portal customer")
            let payload = MessageEvent(
                conversationId: conversation.id, channel: conversation.channel.rawValue,
                contact: conversation.contact.map { .init(id: $0.id, name: $0.name, phone: $0.phone) },
                assigneeId: conversation.assigneeID, message: MessageView(message))
            return try EventOutbox.Entry(type: "chat.message", audience: Self.staffAudience(conversation), encoding: payload)
        }
        try await outbox.emit(tenantID, entries, on: connection, logger: logger)
    }

    struct StatusEvent: Encodable {
        let conversationId: UUID
        let messageId: UUID
        let status: String
        let error: MessageView.Failure?
        let providerMessageId: String?
        let at: Date
    }

    /// `chat.message.status` for messages that moved on (sent, delivered, read,
    /// failed), each with the time of the status that moved it, in one statement.
    func statuses(_ changes: [(message: ChatMessage, conversation: Conversation, at: Date)], on connection: PooledConnection, logger: Logger)
        async throws
    {
        guard let tenantID = changes.first?.conversation.tenantID else { return }
        var entries: [EventOutbox.Entry] = []
        for (message, conversation, at) in changes {
            let payload = StatusEvent(
                conversationId: conversation.id, messageId: message.id, status: message.status.rawValue,
                error: message.status == .failed ? .init(code: message.errorCode, title: message.errorTitle ?? "failed") : nil,
                providerMessageId: message.providerMessageID, at: at
            )
            entries.append(try EventOutbox.Entry(type: "chat.message.status", audience: Self.staffAudience(conversation), encoding: payload))
            if let customer = conversation.customer {
                entries.append(try EventOutbox.Entry(type: "chat.message.status", audience: .user(customer.id), encoding: payload))
            }
        }
        try await outbox.emit(tenantID, entries, on: connection, logger: logger)
    }

    /// `chat.message.status` for one message.
    func status(_ message: ChatMessage, in conversation: Conversation, at: Date, on connection: PooledConnection, logger: Logger)
        async throws
    {
        try await statuses([(message, conversation, at)], on: connection, logger: logger)
    }

    struct ReadEvent: Encodable {
        let conversationId: UUID
        let userId: UUID
        let role: String
        let lastReadMessageId: UUID
        let readAt: Date
    }

    /// `chat.read`: `reader` has read up to `messageID` (read receipts for the other side).
    func read(
        _ conversation: Conversation, by reader: ConversationActor, upTo messageID: UUID, on connection: PooledConnection,
        logger: Logger
    ) async throws {
        let payload = ReadEvent(
            conversationId: conversation.id, userId: reader.userID, role: reader.role.rawValue, lastReadMessageId: messageID, readAt: Date()
        )
        try await toBothSides(type: "chat.read", conversation, on: connection, logger: logger) { _ in payload }
    }

    struct AssignedEvent: Encodable {
        let conversation: ConversationView
        let assignedBy: UUID?
        let previousAssigneeId: UUID?
    }

    /// `conversation.assigned`: to the new assignee (or all staff when unassigned) and
    /// the previous one (all staff when it was unassigned).
    func assigned(
        _ conversation: Conversation, previous: UUID?, by actor: UUID?, on connection: PooledConnection, logger: Logger
    ) async throws {
        var audience = Self.staffAudience(conversation)
        if let previous {
            if !audience.userIDs.contains(previous), !audience.roles.contains(.agent) { audience.userIDs.append(previous) }
        } else {
            // It was in everyone's unassigned inbox: everyone learns it was taken.
            audience = .staff
        }
        let payload = AssignedEvent(
            conversation: ConversationView(conversation, forCustomer: false), assignedBy: actor, previousAssigneeId: previous)
        try await outbox.emit(
            conversation.tenantID, type: "conversation.assigned", audience: audience, payload: payload, on: connection, logger: logger)
    }

    struct StatusChangedEvent: Encodable {
        let conversation: ConversationView
        let by: UUID?
    }

    /// `conversation.resolved` or `conversation.reopened`.
    func statusChanged(_ conversation: Conversation, by actor: UUID?, on connection: PooledConnection, logger: Logger) async throws {
        let type = conversation.status == .resolved ? "conversation.resolved" : "conversation.reopened"
        try await toBothSides(type: type, conversation, on: connection, logger: logger) { forCustomer in
            StatusChangedEvent(conversation: ConversationView(conversation, forCustomer: forCustomer), by: actor)
        }
    }

    private func toBothSides(
        type: String, _ conversation: Conversation, on connection: PooledConnection, logger: Logger,
        payload: (_ forCustomer: Bool) -> some Encodable
    ) async throws {
        try await outbox.emit(
            conversation.tenantID, type: type, audience: Self.staffAudience(conversation), payload: payload(false), on: connection,
            logger: logger)
        if let customer = conversation.customer {
            try await outbox.emit(
                conversation.tenantID, type: type, audience: .user(customer.id), payload: payload(true), on: connection, logger: logger)
        }
    }
}
