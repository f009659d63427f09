import Accounts
import Contacts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// The inbox: portal chat and WhatsApp conversations, their messages, assignment,
/// resolving and read marks. Sending on WhatsApp only queues: `WhatsAppSender` sends.
public struct ConversationService: Sendable {
    let database: Database
    let store = ConversationStore()
    let messages = MessageStore()
    let events = ConversationEvents()
    let timeline = ContactTimeline()
    let tenants = TenantStore()
    let users = UserStore()
    let whatsapp: WhatsAppAccounts
    let sender: WhatsAppSender?

    public init(database: Database, whatsapp: WhatsAppAccounts, sender: WhatsAppSender?) {
        self.database = database
        self.whatsapp = whatsapp
        self.sender = sender
    }

    // MARK: reading

    public func list(
        _ filter: ConversationFilter, after cursor: ConversationCursor?, limit: Int, by actor: ConversationActor, logger: Logger
    ) async throws -> [Conversation] {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            let ownOnly = try await seesOnlyOwn(actor, on: connection, logger: logger)
            return try await store.page(
                actor.tenantID, filter: filter, reader: actor, onlyOwnAndUnassigned: ownOnly, after: cursor, limit: limit,
                on: connection, logger: logger)
        }
    }

    public func get(_ id: UUID, by actor: ConversationActor, logger: Logger) async throws -> Conversation {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            try await visible(id, by: actor, on: connection, logger: logger)
        }
    }

    /// A page of the conversation's messages, newest first, after `cursor` in that order.
    public func messages(
        _ id: UUID, after cursor: MessageCursor?, limit: Int, by actor: ConversationActor, logger: Logger
    ) async throws -> [(message: ChatMessage, cursor: MessageCursor)] {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            _ = try await visible(id, by: actor, on: connection, logger: logger)
            return try await messages.page(actor.tenantID, conversation: id, after: cursor, limit: limit, on: connection, logger: logger)
        }
    }

    // MARK: starting

    /// The customer's portal conversation (made on first use, filed under their CRM
    /// contact and its owner), with `text` as a first message when given.
    public func startPortal(
        text: String?, by actor: ConversationActor, idempotencyKey: String?, logger: Logger
    ) async throws -> (conversation: Conversation, message: ChatMessage?, created: Bool, replayed: Bool) {
        guard actor.isCustomer else { throw ConversationError.forbidden("Staff start WhatsApp conversations from a contact.") }
        let outcome = try await database.withTenant(actor.tenantID, logger: logger) { connection in
            let settings = try await settings(actor.tenantID, on: connection, logger: logger)
            let contact = try await CustomerContacts().resolve(
                actor.tenantID, customer: actor.userID, settings: settings, on: connection, logger: logger)
            let (id, created) = try await store.insert(
                actor.tenantID, channel: .portal, contact: contact?.id, customer: actor.userID, assignee: contact?.ownerId,
                on: connection, logger: logger)
            guard let text else {
                return (try await visible(id, by: actor, on: connection, logger: logger), nil as ChatMessage?, created, false)
            }
            let (conversation, message, replayed) = try await post(
                .text(text), to: id, by: actor, idempotencyKey: idempotencyKey, on: connection, logger: logger)
            return (conversation, message, created, replayed)
        }
        return outcome
    }

    /// The contact's WhatsApp conversation (made on first use, assigned to the
    /// contact's owner), with `template` queued as its opening message.
    public func startWhatsApp(
        contact contactID: UUID, template: ChatMessage.Template, by actor: ConversationActor, idempotencyKey: String?, logger: Logger
    ) async throws -> (conversation: Conversation, message: ChatMessage, replayed: Bool) {
        try await sendWhatsApp(.template(template), toContact: contactID, by: actor, idempotencyKey: idempotencyKey, logger: logger)
    }

    /// Queues `content` in the contact's WhatsApp conversation (made on first use,
    /// assigned to the contact's owner); free text only inside the 24-hour window.
    public func sendWhatsApp(
        _ content: Content, toContact contactID: UUID, by actor: ConversationActor, idempotencyKey: String?, logger: Logger
    ) async throws -> (conversation: Conversation, message: ChatMessage, replayed: Bool) {
        guard !actor.isCustomer else { throw ConversationError.forbidden("Customers cannot message contacts.") }
        let outcome = try await database.withTenant(actor.tenantID, logger: logger) { connection in
            let settings = try await settings(actor.tenantID, on: connection, logger: logger)
            guard let contact = try await PhoneContacts().find(actor.tenantID, id: contactID, on: connection, logger: logger),
                !(actor.role == .agent && settings.contacts.agentsSeeOnlyOwn && contact.ownerId != actor.userID)
            else { throw ConversationError.contactNotFound }
            guard contact.phone != nil else { throw ConversationError.contactHasNoPhone }
            let (id, _) = try await store.insert(
                actor.tenantID, channel: .whatsapp, contact: contact.id, customer: nil, assignee: contact.ownerId, on: connection,
                logger: logger)
            return try await post(content, to: id, by: actor, idempotencyKey: idempotencyKey, on: connection, logger: logger)
        }
        if !outcome.replayed { sender?.nudge(actor.tenantID, message: outcome.message.id) }
        return outcome
    }

    // MARK: sending

    public enum Content: Sendable, Equatable {
        case text(String)
        case template(ChatMessage.Template)

        var fingerprint: String {
            switch self {
            case .text(let text): "text:\(text)"
            case .template(let t): "template:\(t.name)|\(t.language)|\(t.parameters.joined(separator: "\u{1F}"))"
            }
        }
    }

    /// Posts a message into the conversation: on portal chat it is delivered at once
    /// (as events); on WhatsApp it is queued for the sender. `replayed` is true when
    /// `idempotencyKey` named an earlier identical request.
    public func post(
        _ content: Content, to id: UUID, by actor: ConversationActor, idempotencyKey: String?, logger: Logger
    ) async throws -> (conversation: Conversation, message: ChatMessage, replayed: Bool) {
        let outcome: (conversation: Conversation, message: ChatMessage, replayed: Bool)
        do {
            outcome = try await database.withTenant(actor.tenantID, logger: logger) { connection in
                try await post(content, to: id, by: actor, idempotencyKey: idempotencyKey, on: connection, logger: logger)
            }
        } catch  where error.violatedUniqueConstraint == "messages_idempotency_key" {
            // The same request raced itself: answer with the one that committed.
            return try await post(content, to: id, by: actor, idempotencyKey: idempotencyKey, logger: logger)
        }
        if outcome.message.status == .queued, !outcome.replayed { sender?.nudge(actor.tenantID, message: outcome.message.id) }
        return outcome
    }

    private func post(
        _ content: Content, to id: UUID, by actor: ConversationActor, idempotencyKey: String?, on connection: PooledConnection,
        logger: Logger
    ) async throws -> (conversation: Conversation, message: ChatMessage, replayed: Bool) {
        var conversation = try await visible(id, by: actor, lock: true, on: connection, logger: logger)
        if let idempotencyKey,
            let earlier = try await messages.find(
                actor.tenantID, author: actor.userID, idempotencyKey: idempotencyKey, on: connection, logger: logger)
        {
            guard earlier.requestHash == content.fingerprint, earlier.message.conversationID == id else {
                throw ConversationError.idempotencyKeyReused
            }
            return (conversation, earlier.message, true)
        }
        var draft: MessageStore.Draft
        switch (conversation.channel, content) {
        case (.portal, .text(let text)):
            draft = MessageStore.Draft(
                conversationID: id, direction: actor.isCustomer ? .inbound : .outbound, authorID: actor.userID, type: "text", body: text,
                status: .sent)
        case (.portal, .template):
            throw ConversationError.invalid(pointer: "/template", detail: "templates are for WhatsApp; send text in portal chat")
        case (.whatsapp, let content):
            guard !actor.isCustomer else { throw ConversationError.notFound }
            guard conversation.contact?.phone != nil else { throw ConversationError.contactHasNoPhone }
            guard try await whatsapp.isConfigured(actor.tenantID, on: connection, logger: logger) else {
                throw ConversationError.whatsappNotConfigured
            }
            switch content {
            case .text(let text):
                guard conversation.windowExpiresAt() != nil else { throw ConversationError.windowClosed }
                draft = MessageStore.Draft(
                    conversationID: id, direction: .outbound, authorID: actor.userID, type: "text", body: text, status: .queued)
            case .template(let template):
                draft = MessageStore.Draft(
                    conversationID: id, direction: .outbound, authorID: actor.userID, type: "template",
                    body: Self.templateSummary(template), template: template, status: .queued)
            }
            draft.queued = true
        }
        draft.idempotencyKey = idempotencyKey
        draft.requestHash = idempotencyKey == nil ? nil : content.fingerprint
        guard let message = try await messages.insert(draft, tenantID: actor.tenantID, on: connection, logger: logger) else {
            throw ConversationError.notFound  // only a provider id can conflict, and this has none
        }
        try await file(message, in: &conversation, reopen: true, on: connection, logger: logger)
        return (conversation, message, false)
    }

    /// What every new message does to its conversation: the inbox position and
    /// preview (reopening it), the contact's timeline, and `chat.message`.
    func file(
        _ message: ChatMessage, in conversation: inout Conversation, reopen: Bool, on connection: PooledConnection, logger: Logger
    ) async throws {
        let inbound = message.direction == .inbound && conversation.channel == .whatsapp
        try await store.touch(
            conversation.tenantID, id: conversation.id, messageAt: message.createdAt, preview: message.body, inbound: inbound,
            reopen: reopen, on: connection, logger: logger)
        if message.createdAt >= conversation.lastMessageAt || conversation.lastMessagePreview == nil {
            conversation.lastMessageAt = message.createdAt
            conversation.lastMessagePreview = String(message.body.prefix(200))
        }
        if inbound {
            conversation.lastInboundAt = max(conversation.lastInboundAt ?? message.createdAt, message.createdAt)
            conversation.windowClosedAt = nil
        }
        if reopen && conversation.status == .resolved {
            conversation.status = .open
            conversation.resolvedAt = nil
            try await events.statusChanged(conversation, by: message.authorID, on: connection, logger: logger)
        }
        if let contact = conversation.contact {
            try await timeline.record(
                conversation.tenantID, contact: contact.id, kind: .message, actor: message.authorID,
                data: TimelineMessage(
                    conversationId: conversation.id, messageId: message.id, channel: conversation.channel.rawValue,
                    direction: message.direction.rawValue, preview: String(message.body.prefix(200))),
                at: message.createdAt, on: connection, logger: logger)
        }
        try await events.message(message, in: conversation, on: connection, logger: logger)
    }

    struct TimelineMessage: Encodable, Sendable {
        let conversationId: UUID
        let messageId: UUID
        let channel: String
        let direction: String
        let preview: String
    }

    /// How a template message reads in the inbox.
    static func templateSummary(_ template: ChatMessage.Template) -> String {
        let parameters = template.parameters.isEmpty ? "" : " (" + template.parameters.joined(separator: ", ") + ")"
        return String("[template \(template.name)]\(parameters)".prefix(4096))
    }

    // MARK: assignment, status, reading

    /// Assigns the conversation to a staff member, or unassigns it with nil.
    public func assign(_ id: UUID, to assignee: UUID?, by actor: ConversationActor, logger: Logger) async throws -> Conversation {
        guard !actor.isCustomer else { throw ConversationError.notFound }
        return try await database.withTenant(actor.tenantID, logger: logger) { connection in
            var conversation = try await visible(id, by: actor, lock: true, on: connection, logger: logger)
            if let assignee {
                guard let user = try await users.find(actor.tenantID, id: assignee, on: connection, logger: logger),
                    user.status == .active, user.role != .customer
                else { throw ConversationError.assigneeNotFound }
            }
            guard conversation.assigneeID != assignee else { return conversation }
            let previous = conversation.assigneeID
            try await store.setAssignee(actor.tenantID, id: id, assignee: assignee, on: connection, logger: logger)
            conversation.assigneeID = assignee
            conversation.updatedAt = Date()
            try await events.assigned(conversation, previous: previous, by: actor.userID, on: connection, logger: logger)
            return conversation
        }
    }

    /// Resolves or reopens the conversation; the same status again changes nothing.
    public func setStatus(_ id: UUID, to status: Conversation.Status, by actor: ConversationActor, logger: Logger) async throws
        -> Conversation
    {
        guard !actor.isCustomer else { throw ConversationError.notFound }
        return try await database.withTenant(actor.tenantID, logger: logger) { connection in
            var conversation = try await visible(id, by: actor, lock: true, on: connection, logger: logger)
            guard conversation.status != status else { return conversation }
            try await store.setStatus(actor.tenantID, id: id, status: status, on: connection, logger: logger)
            conversation.status = status
            conversation.resolvedAt = status == .resolved ? Date() : nil
            conversation.updatedAt = Date()
            try await events.statusChanged(conversation, by: actor.userID, on: connection, logger: logger)
            return conversation
        }
    }

    /// Marks the conversation read up to its newest message for `actor` (`chat.read`).
    public func markRead(_ id: UUID, by actor: ConversationActor, logger: Logger) async throws -> Conversation {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            let conversation = try await visible(id, by: actor, on: connection, logger: logger)
            guard
                let newest = try await store.markRead(actor.tenantID, conversation: id, user: actor.userID, on: connection, logger: logger)
            else { return conversation }
            try await events.read(conversation, by: actor, upTo: newest.messageID, on: connection, logger: logger)
            return try await visible(id, by: actor, on: connection, logger: logger)
        }
    }

    // MARK: rules

    func settings(_ tenantID: UUID, on connection: PooledConnection, logger: Logger) async throws -> TenantSettings {
        try await tenants.find(id: tenantID, on: connection, logger: logger)?.settings ?? TenantSettings()
    }

    /// Agents limited to their own contacts see their own and unassigned conversations.
    func seesOnlyOwn(_ actor: ConversationActor, on connection: PooledConnection, logger: Logger) async throws -> Bool {
        guard actor.role == .agent else { return false }
        return try await settings(actor.tenantID, on: connection, logger: logger).contacts.agentsSeeOnlyOwn
    }

    /// The conversation if `actor` may see it; otherwise `notFound` (no hint it exists).
    func visible(
        _ id: UUID, by actor: ConversationActor, lock: Bool = false, on connection: PooledConnection, logger: Logger
    ) async throws -> Conversation {
        guard let conversation = try await store.find(actor.tenantID, id: id, reader: actor, lock: lock, on: connection, logger: logger)
        else { throw ConversationError.notFound }
        if actor.isCustomer {
            guard conversation.customer?.id == actor.userID else { throw ConversationError.notFound }
        } else if try await seesOnlyOwn(actor, on: connection, logger: logger) {
            guard conversation.assigneeID == nil || conversation.assigneeID == actor.userID else { throw ConversationError.notFound }
        }
        return conversation
    }
}
