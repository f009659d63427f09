import Accounts
import Contacts
import Foundation
import Persistence
import WhatsApp

extension WhatsAppInbound {
    /// Inbound messages from senders whose contact has a WhatsApp conversation (all
    /// but a sender's first), applied together in a handful of statements however many
    /// there are: the conversations found and locked, the messages inserted once by
    /// wamid, each conversation moved to its newest message and reopened, a timeline
    /// entry and a `chat.message` per message. One message at a time took about a
    /// dozen statements each and kept processing below the arrival rate under load
    /// (docs/BENCHMARKS.md, WhatsApp). Answers the messages from other senders, in
    /// order.
    func receiveFromKnownSenders(
        _ inbound: [InboundMessage], tenantID: UUID, madeJustNow: Set<UUID> = [], on connection: PooledConnection
    ) async throws -> [InboundMessage] {
        let phones = Array(Set(inbound.map { "+" + $0.from }))
        let known = try await conversations.whatsappConversations(tenantID, phones: phones, on: connection, logger: logger)
        var drafts: [MessageStore.Draft] = []
        var unknown: [InboundMessage] = []
        for message in inbound {
            if let conversation = known["+" + message.from] {
                drafts.append(Self.draft(message, conversationID: conversation.id))
            } else {
                unknown.append(message)
            }
        }
        // Conversations `receiveFromNewSenders` made for these messages: announced to
        // their assignees first, as one at a time would.
        for conversation in known.values.sorted(by: { $0.id.sortsBefore($1.id) })
        where madeJustNow.contains(conversation.id) && conversation.assigneeID != nil {
            try await events.assigned(conversation, previous: nil, by: nil, on: connection, logger: logger)
        }
        let stored = try await messages.insertInbound(drafts, tenantID: tenantID, on: connection, logger: logger)
        guard !stored.isEmpty else { return unknown }

        // Each conversation moves to its newest new message (the latest of equal times);
        // one that was resolved is reopened, and says so before its messages arrive.
        var conversationsByID = Dictionary(uniqueKeysWithValues: known.values.map { ($0.id, $0) })
        var newest: [UUID: ChatMessage] = [:]
        var touched: [UUID] = []
        for message in stored {
            guard let previous = newest[message.conversationID] else {
                newest[message.conversationID] = message
                touched.append(message.conversationID)
                continue
            }
            if message.createdAt >= previous.createdAt { newest[message.conversationID] = message }
        }
        try await conversations.touchInbound(
            tenantID, touched.map { (newest[$0]!.conversationID, newest[$0]!.createdAt, newest[$0]!.body) }, on: connection, logger: logger)
        for id in touched {
            guard var conversation = conversationsByID[id] else { continue }
            let wasResolved = conversation.status == .resolved
            Self.file(newest[id]!, in: &conversation)
            conversationsByID[id] = conversation
            if wasResolved { try await events.statusChanged(conversation, by: nil, on: connection, logger: logger) }
        }

        let encoder = JSONEncoder()
        let entries = try stored.compactMap { message -> ContactTimeline.Entry? in
            guard let conversation = conversationsByID[message.conversationID], let contact = conversation.contact else { return nil }
            let data = ConversationService.TimelineMessage(
                conversationId: conversation.id, messageId: message.id, channel: conversation.channel.rawValue,
                direction: message.direction.rawValue, preview: String(message.body.prefix(200)))
            return ContactTimeline.Entry(
                contactID: contact.id, kind: .message, actor: nil, occurredAt: message.createdAt,
                data: String(decoding: try encoder.encode(data), as: UTF8.self))
        }
        try await service.timeline.record(tenantID, entries, on: connection, logger: logger)
        try await events.whatsappMessages(
            stored.compactMap { message in conversationsByID[message.conversationID].map { (message, $0) } }, on: connection, logger: logger
        )
        return unknown
    }

    /// Messages from senders without a WhatsApp conversation (a number's first
    /// messages): their contacts found or made together (auto-assigned, with their
    /// timeline entries and `contact.assigned`), the conversations they lack made
    /// together, and the messages then applied as from known senders. Answers the
    /// messages that still found no conversation (none, unless a contact was deleted
    /// meanwhile), in order.
    func receiveFromNewSenders(
        _ inbound: [InboundMessage], tenantID: UUID, settings: TenantSettings, on connection: PooledConnection
    ) async throws -> [InboundMessage] {
        guard !inbound.isEmpty else { return [] }
        var numbers: [(phone: String, name: String?)] = []
        for message in inbound where !numbers.contains(where: { $0.phone == "+" + message.from }) {
            numbers.append(("+" + message.from, message.profileName))
        }
        let contacts = try await phoneContacts.findOrCreate(
            tenantID, numbers: numbers, source: "whatsapp", settings: settings, on: connection, logger: logger)
        let made = try await conversations.insertWhatsApp(
            tenantID, contacts: contacts.map { ($0.id, $0.ownerId) }, on: connection, logger: logger)
        return try await receiveFromKnownSenders(inbound, tenantID: tenantID, madeJustNow: made, on: connection)
    }

    /// The conversation as `touchInbound` leaves it after `message` (its newest new one).
    static func file(_ message: ChatMessage, in conversation: inout Conversation) {
        if message.createdAt >= conversation.lastMessageAt || conversation.lastMessagePreview == nil {
            conversation.lastMessageAt = message.createdAt
            conversation.lastMessagePreview = String(message.body.prefix(200))
        }
        conversation.lastInboundAt = max(conversation.lastInboundAt ?? message.createdAt, message.createdAt)
        conversation.windowClosedAt = nil
        conversation.status = .open
        conversation.resolvedAt = nil
    }
}
