import Foundation
import Logging
import Persistence
import PostgresNIO

/// SQL for messages: writing them, paging a conversation, the forward-only status
/// rules, and the WhatsApp send queue's claims. Every statement names the tenant.
struct MessageStore: Sendable {
    static let columns = """
        m.id, m.conversation_id, m.direction, m.author_id, m.type, m.body, m.template::text, m.status, m.error_code,
        m.error_title, m.provider_message_id, m.created_at, m.sent_at, m.delivered_at, m.read_at
        """

    struct Draft: Sendable {
        var id = UUID.timeOrdered()
        let conversationID: UUID
        let direction: ChatMessage.Direction
        let authorID: UUID?
        let type: String
        let body: String
        var template: ChatMessage.Template?
        let status: ChatMessage.Status
        var providerMessageID: String?
        var createdAt: Date?
        var idempotencyKey: String?
        var requestHash: String?
        /// Queued for the WhatsApp sender: due now.
        var queued = false
    }

    /// Inserts the message; nil when its provider id is already stored (a WhatsApp
    /// message delivered again).
    func insert(_ draft: Draft, tenantID: UUID, on connection: PooledConnection, logger: Logger) async throws -> ChatMessage? {
        let template: String? = try draft.template.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        let rows = try await connection.query(
            """
            INSERT INTO messages AS m (id, tenant_id, conversation_id, direction, author_id, type, body, template, status,
                                       provider_message_id, created_at, sent_at, idempotency_key, request_hash, next_attempt_at)
            VALUES (\(draft.id), \(tenantID), \(draft.conversationID), \(draft.direction.rawValue), \(draft.authorID), \(draft.type),
                    \(draft.body), \(template)::jsonb, \(draft.status.rawValue), \(draft.providerMessageID), coalesce(\(draft.createdAt), now()),
                    CASE WHEN \(draft.status.rawValue) = 'sent' THEN coalesce(\(draft.createdAt), now()) END,
                    \(draft.idempotencyKey), \(draft.requestHash), CASE WHEN \(draft.queued) THEN now() END)
            ON CONFLICT (tenant_id, provider_message_id) WHERE provider_message_id IS NOT NULL DO NOTHING
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger
        )
        return try await Self.messages(from: rows).first
    }

    /// Inserts inbound WhatsApp messages (delivered, no author) in one statement, in
    /// their order; answers those inserted, in that order (a wamid stored already, or
    /// twice in `drafts`, is left out: a redelivery).
    func insertInbound(_ drafts: [Draft], tenantID: UUID, on connection: PooledConnection, logger: Logger) async throws -> [ChatMessage] {
        guard !drafts.isEmpty else { return [] }
        let rows = try await connection.query(
            Self.insertInboundQuery(drafts, tenantID: tenantID), preparedAs: InsertInbound.self, logger: logger)
        var inserted: [UUID: ChatMessage] = [:]
        for try await row in rows {
            var cells = row.makeIterator()
            let message = try Self.message(&cells)
            inserted[message.id] = message
        }
        return drafts.compactMap { inserted[$0.id] }
    }

    enum InsertInbound: PreparedSQL {
        static let sql = MessageStore.insertInboundQuery([], tenantID: UUID()).sql
    }

    static func insertInboundQuery(_ drafts: [Draft], tenantID: UUID) -> PostgresQuery {
        """
        INSERT INTO messages AS m (id, tenant_id, conversation_id, direction, type, body, status, provider_message_id, created_at)
        SELECT d.id, \(tenantID), d.conversation_id, 'inbound', d.type, d.body, 'delivered', nullif(d.wamid, ''), d.created_at
        FROM unnest(\(drafts.map(\.id))::uuid[], \(drafts.map(\.conversationID))::uuid[], \(drafts.map(\.type))::text[],
                    \(drafts.map(\.body))::text[], \(drafts.map { $0.providerMessageID ?? "" })::text[],
                    \(drafts.map { $0.createdAt ?? Date() })::timestamptz[])
             WITH ORDINALITY AS d(id, conversation_id, type, body, wamid, created_at, n)
        ORDER BY d.n
        ON CONFLICT (tenant_id, provider_message_id) WHERE provider_message_id IS NOT NULL DO NOTHING
        RETURNING \(unescaped: Self.columns)
        """
    }

    func find(_ tenantID: UUID, id: UUID, on connection: PooledConnection, logger: Logger) async throws -> ChatMessage? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM messages m WHERE m.tenant_id = \(tenantID) AND m.id = \(id)", logger: logger)
        return try await Self.messages(from: rows).first
    }

    /// The message an earlier request with this idempotency key created, with that
    /// request's fingerprint.
    func find(
        _ tenantID: UUID, author: UUID, idempotencyKey: String, on connection: PooledConnection, logger: Logger
    ) async throws -> (message: ChatMessage, requestHash: String?)? {
        let rows = try await connection.query(
            """
            SELECT m.request_hash, \(unescaped: Self.columns) FROM messages m
            WHERE m.tenant_id = \(tenantID) AND m.author_id = \(author) AND m.idempotency_key = \(idempotencyKey)
            """,
            logger: logger
        )
        var hash: String?
        var found: ChatMessage?
        for try await row in rows {
            var cells = row.makeIterator()
            hash = try cells.column(String?.self)
            found = try Self.message(&cells)
        }
        return found.map { ($0, hash) }
    }

    /// A page of the conversation, newest first, after `cursor` in that order.
    ///
    /// Messages are ordered by their time, then by the order they were stored. An
    /// inbound WhatsApp message's time is WhatsApp's (whole seconds): batches processed
    /// side by side (two nodes, or one node's workers draining a backlog), and webhooks
    /// WhatsApp redelivers late, can store a sender's later message first, and a list
    /// by storage order alone showed them swapped. The conversation's last message was
    /// already chosen by time (`ConversationStore.touch`).
    func page(
        _ tenantID: UUID, conversation: UUID, after cursor: MessageCursor?, limit: Int, on connection: PooledConnection, logger: Logger
    ) async throws -> [(message: ChatMessage, cursor: MessageCursor)] {
        // Exact to the microsecond: a Date bound directly may be off by one. An unnamed
        // statement is planned with its binds, so a nil cursor drops its condition.
        let rows = try await connection.query(
            """
            SELECT m.seq, \(unescaped: Self.columns) FROM messages m
            WHERE m.tenant_id = \(tenantID) AND m.conversation_id = \(conversation)
              AND (\(cursor?.microseconds)::int8 IS NULL
                   OR (m.created_at, m.seq) < (timestamptz 'epoch' + \(cursor?.microseconds) * interval '1 microsecond', \(cursor?.seq)))
            ORDER BY m.created_at DESC, m.seq DESC LIMIT \(limit)
            """,
            logger: logger
        )
        var page: [(ChatMessage, MessageCursor)] = []
        for try await row in rows {
            var cells = row.makeIterator()
            let seq = try cells.column(Int64.self)
            let message = try Self.message(&cells)
            page.append((message, MessageCursor(createdAt: message.createdAt, seq: seq)))
        }
        return page
    }

    /// The outbound message with WhatsApp id `wamid`, locked for a status change.
    func findOutbound(_ tenantID: UUID, wamid: String, on connection: PooledConnection, logger: Logger) async throws -> ChatMessage? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM messages m
            WHERE m.tenant_id = \(tenantID) AND m.provider_message_id = \(wamid) AND m.direction = 'outbound'
            FOR UPDATE
            """,
            logger: logger
        )
        return try await Self.messages(from: rows).first
    }

    /// Writes a message's delivery fields (status, error, provider id, timestamps).
    func saveDelivery(_ message: ChatMessage, tenantID: UUID, statusAt: Date?, on connection: PooledConnection, logger: Logger) async throws
    {
        try await connection.query(
            """
            UPDATE messages SET status = \(message.status.rawValue), error_code = \(message.errorCode), error_title = \(message.errorTitle),
                provider_message_id = \(message.providerMessageID), sent_at = \(message.sentAt), delivered_at = \(message.deliveredAt),
                read_at = \(message.readAt), status_at = coalesce(\(statusAt), status_at)
            WHERE tenant_id = \(tenantID) AND id = \(message.id)
            """,
            logger: logger
        )
    }

    /// Our sent messages with these wamids, locked in id order (as every batch locks
    /// them, so two batches cannot deadlock), by wamid.
    func findOutbound(
        _ tenantID: UUID, wamids: [String], on connection: PooledConnection, logger: Logger
    ) async throws -> [String: ChatMessage] {
        let rows = try await connection.query(
            Self.outboundByWamidsQuery(tenantID, wamids: wamids), preparedAs: OutboundByWamids.self, logger: logger)
        var found: [String: ChatMessage] = [:]
        for message in try await Self.messages(from: rows) {
            if let wamid = message.providerMessageID { found[wamid] = message }
        }
        return found
    }

    /// Every batch of WhatsApp statuses looks its messages up: prepared.
    enum OutboundByWamids: PreparedSQL {
        static let sql = MessageStore.outboundByWamidsQuery(UUID(), wamids: []).sql
    }

    static func outboundByWamidsQuery(_ tenantID: UUID, wamids: [String]) -> PostgresQuery {
        """
        SELECT \(unescaped: Self.columns) FROM messages m
        WHERE m.tenant_id = \(tenantID) AND m.provider_message_id = ANY(\(wamids)::text[]) AND m.direction = 'outbound'
        ORDER BY m.id FOR UPDATE
        """
    }

    /// The delivery fields `DeliveryProgress` moves (status, error, sent, delivered and
    /// read times) of several messages in one statement, each with the time of the
    /// status that last changed it.
    func saveDeliveries(
        _ saved: [(message: ChatMessage, statusAt: Date)], tenantID: UUID, on connection: PooledConnection, logger: Logger
    ) async throws {
        guard !saved.isEmpty else { return }
        try await connection.write(Self.saveDeliveriesQuery(tenantID, saved), preparedAs: SaveDeliveries.self, logger: logger)
    }

    enum SaveDeliveries: PreparedSQL {
        static let sql = MessageStore.saveDeliveriesQuery(UUID(), []).sql
    }

    /// An array bind holds no nulls: optional values travel as text, "" for none, and
    /// times as whole microseconds since 1970 (what PostgreSQL keeps, so a time read
    /// back is written back unchanged).
    static func saveDeliveriesQuery(_ tenantID: UUID, _ saved: [(message: ChatMessage, statusAt: Date)]) -> PostgresQuery {
        func micros(_ date: Date?) -> String {
            date.map { String(Int64(($0.timeIntervalSince1970 * 1_000_000).rounded())) } ?? ""
        }
        let messages = saved.map(\.message)
        return """
            UPDATE messages m
            SET status = d.status, error_code = nullif(d.code, '')::int4, error_title = nullif(d.title, ''),
                sent_at = 'epoch'::timestamptz + nullif(d.sent, '')::int8 * interval '1 microsecond',
                delivered_at = 'epoch'::timestamptz + nullif(d.delivered, '')::int8 * interval '1 microsecond',
                read_at = 'epoch'::timestamptz + nullif(d.read, '')::int8 * interval '1 microsecond',
                status_at = 'epoch'::timestamptz + d.status_at::int8 * interval '1 microsecond'
            FROM unnest(\(messages.map(\.id))::uuid[], \(messages.map(\.status.rawValue))::text[],
                        \(messages.map { $0.errorCode.map(String.init) ?? "" })::text[], \(messages.map { $0.errorTitle ?? "" })::text[],
                        \(messages.map { micros($0.sentAt) })::text[], \(messages.map { micros($0.deliveredAt) })::text[],
                        \(messages.map { micros($0.readAt) })::text[], \(saved.map { micros($0.statusAt) })::text[])
                 AS d(id, status, code, title, sent, delivered, read, status_at)
            WHERE m.tenant_id = \(tenantID) AND m.id = d.id
            """
    }

    // MARK: the send queue

    /// Takes a queued message for sending: one attempt more, leased to this node for
    /// `leaseSeconds`. Nil when it is not due, already leased, or no longer queued.
    func claimForSending(
        _ tenantID: UUID, id: UUID, leaseSeconds: Int, on connection: PooledConnection, logger: Logger
    ) async throws -> (message: ChatMessage, attempts: Int)? {
        let rows = try await connection.query(
            """
            UPDATE messages m SET attempts = attempts + 1, lease_until = now() + \(leaseSeconds) * interval '1 second'
            WHERE m.tenant_id = \(tenantID) AND m.id = \(id) AND m.status = 'queued' AND m.next_attempt_at <= now()
              AND m.lease_until IS NULL
            RETURNING m.attempts, \(unescaped: Self.columns)
            """,
            logger: logger
        )
        for try await row in rows {
            var cells = row.makeIterator()
            let attempts = try cells.column(Int.self)
            return (try Self.message(&cells), attempts)
        }
        return nil
    }

    /// Puts a message back in the queue after a retryable failure.
    func retryLater(
        _ tenantID: UUID, id: UUID, afterSeconds: Double, error: String, code: Int?, on connection: PooledConnection, logger: Logger
    )
        async throws
    {
        try await connection.query(
            """
            UPDATE messages SET lease_until = NULL, next_attempt_at = now() + \(afterSeconds) * interval '1 second',
                error_code = \(code), error_title = \(error)
            WHERE tenant_id = \(tenantID) AND id = \(id) AND status = 'queued'
            """,
            logger: logger
        )
    }

    /// Ends a message's time in the queue (sent or failed).
    func leaveQueue(_ tenantID: UUID, id: UUID, on connection: PooledConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE messages SET lease_until = NULL, next_attempt_at = NULL WHERE tenant_id = \(tenantID) AND id = \(id)",
            logger: logger
        )
    }

    // MARK: decoding

    static func messages(from rows: some AsyncSequence<PostgresRow, any Error>) async throws -> [ChatMessage] {
        var messages: [ChatMessage] = []
        for try await row in rows {
            var cells = row.makeIterator()
            messages.append(try message(&cells))
        }
        return messages
    }

    static func message(_ cells: inout PostgresRow.Iterator) throws -> ChatMessage {
        let id = try cells.column(UUID.self)
        let conversationID = try cells.column(UUID.self)
        let direction = ChatMessage.Direction(rawValue: try cells.column(String.self)) ?? .inbound
        let authorID = try cells.column(UUID?.self)
        let type = try cells.column(String.self)
        let body = try cells.column(String.self)
        let template = try cells.column(String?.self).flatMap { try? JSONDecoder().decode(ChatMessage.Template.self, from: Data($0.utf8)) }
        return ChatMessage(
            id: id, conversationID: conversationID, direction: direction, authorID: authorID, type: type, body: body, template: template,
            status: ChatMessage.Status(rawValue: try cells.column(String.self)) ?? .queued, errorCode: try cells.column(Int?.self),
            errorTitle: try cells.column(String?.self), providerMessageID: try cells.column(String?.self),
            createdAt: try cells.column(Date.self),
            sentAt: try cells.column(Date?.self), deliveredAt: try cells.column(Date?.self), readAt: try cells.column(Date?.self)
        )
    }
}
