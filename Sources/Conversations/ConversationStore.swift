import Accounts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// SQL for conversations and read marks. Every statement names the tenant; callers
/// run them inside `Database.withTenant`.
struct ConversationStore: Sendable {
    /// The columns `conversations(from:)` decodes. With a reader, the last column is
    /// their unread count (messages in `unreadDirection` after their read mark);
    /// without one (the workers, which read for no one), it is 0 and costs nothing.
    private static func select(reader: UUID?, unreadDirection: ChatMessage.Direction) -> PostgresQuery {
        """
        SELECT c.id, c.tenant_id, c.channel, c.contact_id, ct.name, ct.phone, c.customer_user_id, cu.name, cu.phone,
               c.assignee_id, c.status, c.last_message_at, c.last_message_preview, c.last_inbound_at, c.window_closed_at,
               c.created_at, c.updated_at, c.resolved_at,
               CASE WHEN \(reader)::uuid IS NULL THEN 0 ELSE
               (SELECT count(*) FROM messages m
                WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id AND m.direction = \(unreadDirection.rawValue)
                  AND m.seq > coalesce(r.last_read_seq, 0))::int4 END
        FROM conversations c
        LEFT JOIN contacts ct ON ct.id = c.contact_id AND ct.tenant_id = c.tenant_id
        LEFT JOIN users cu ON cu.id = c.customer_user_id AND cu.tenant_id = c.tenant_id
        LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.tenant_id = c.tenant_id AND r.user_id = \(reader)
        """
    }

    /// The conversation as `reader` sees it (their unread count; 0 without a
    /// reader), locked when `lock`.
    func find(
        _ tenantID: UUID, id: UUID, reader: ConversationActor?, lock: Bool = false, on connection: PooledConnection, logger: Logger
    ) async throws -> Conversation? {
        let query = Self.findQuery(
            tenantID, id: id, reader: reader?.userID, unreadDirection: reader.map(Self.unreadDirection) ?? .inbound, lock: lock)
        let rows =
            lock
            ? try await connection.query(query, preparedAs: FindForUpdate.self, logger: logger)
            : try await connection.query(query, preparedAs: Find.self, logger: logger)
        return try await Self.conversations(from: rows).first
    }

    /// Every message, read and inbound delivery looks its conversation up: prepared
    /// (its joins made it the costliest statement to plan).
    enum Find: PreparedSQL {
        static let sql = ConversationStore.findQuery(UUID(), id: UUID(), reader: nil, unreadDirection: .inbound, lock: false).sql
    }
    enum FindForUpdate: PreparedSQL {
        static let sql = ConversationStore.findQuery(UUID(), id: UUID(), reader: nil, unreadDirection: .inbound, lock: true).sql
    }

    static func findQuery(
        _ tenantID: UUID, id: UUID, reader: UUID?, unreadDirection: ChatMessage.Direction, lock: Bool
    ) -> PostgresQuery {
        var query = select(reader: reader, unreadDirection: unreadDirection)
        query.sql += " WHERE c.tenant_id = $\(query.binds.count + 1) AND c.id = $\(query.binds.count + 2)"
        query.binds.append(tenantID)
        query.binds.append(id)
        if lock { query.sql += " FOR UPDATE OF c" }
        return query
    }

    /// Conversations by id, as no one in particular reads them (the workers' events).
    func find(_ tenantID: UUID, ids: [UUID], on connection: PooledConnection, logger: Logger) async throws -> [UUID: Conversation] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await connection.query(Self.findManyQuery(tenantID, ids: ids), preparedAs: FindMany.self, logger: logger)
        return Dictionary(try await Self.conversations(from: rows).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    enum FindMany: PreparedSQL {
        static let sql = ConversationStore.findManyQuery(UUID(), ids: []).sql
    }

    static func findManyQuery(_ tenantID: UUID, ids: [UUID]) -> PostgresQuery {
        var query = select(reader: nil, unreadDirection: .inbound)
        query.sql += " WHERE c.tenant_id = $\(query.binds.count + 1) AND c.id = ANY($\(query.binds.count + 2)::uuid[])"
        query.binds.append(tenantID)
        query.binds.append(ids)
        return query
    }

    /// A page of the inbox, newest message first, after `cursor`. `visibleTo` limits
    /// agents who see only their own (and the unassigned); customers see only theirs.
    func page(
        _ tenantID: UUID, filter: ConversationFilter, reader: ConversationActor, onlyOwnAndUnassigned: Bool,
        after cursor: ConversationCursor?, limit: Int, on connection: PooledConnection, logger: Logger
    ) async throws -> [Conversation] {
        let direction = Self.unreadDirection(reader)
        var query = Self.select(reader: reader.userID, unreadDirection: direction)
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            query.binds.append(value)
            return "$\(query.binds.count)"
        }
        var conditions = ["c.tenant_id = \(bind(tenantID))"]
        if reader.isCustomer { conditions.append("c.customer_user_id = \(bind(reader.userID))") }
        if onlyOwnAndUnassigned { conditions.append("(c.assignee_id = \(bind(reader.userID)) OR c.assignee_id IS NULL)") }
        if let channel = filter.channel { conditions.append("c.channel = \(bind(channel.rawValue))") }
        if let status = filter.status { conditions.append("c.status = \(bind(status.rawValue))") }
        switch filter.assignee {
        case .user(let id): conditions.append("c.assignee_id = \(bind(id))")
        case .unassigned: conditions.append("c.assignee_id IS NULL")
        case nil: break
        }
        if let contact = filter.contactID { conditions.append("c.contact_id = \(bind(contact))") }
        if filter.unreadOnly {
            conditions.append(
                """
                EXISTS (SELECT 1 FROM messages m WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id
                        AND m.direction = \(bind(direction.rawValue)) AND m.seq > coalesce(r.last_read_seq, 0))
                """)
        }
        if let cursor {
            conditions.append(
                "(c.last_message_at, c.id) < (timestamptz 'epoch' + \(bind(cursor.micros)) * interval '1 microsecond', \(bind(cursor.id)))")
        }
        query.sql += " WHERE " + conditions.joined(separator: " AND ")
        query.sql += " ORDER BY c.last_message_at DESC, c.id DESC LIMIT \(bind(limit))"
        return try await Self.conversations(from: try await connection.query(query, logger: logger))
    }

    /// The id of the customer's portal conversation, if they have one.
    func portalConversation(_ tenantID: UUID, customer: UUID, on connection: PooledConnection, logger: Logger) async throws -> UUID? {
        try await firstID(
            connection.query(
                "SELECT id FROM conversations WHERE tenant_id = \(tenantID) AND customer_user_id = \(customer) AND channel = 'portal'",
                logger: logger))
    }

    /// The id of the contact's WhatsApp conversation, if it has one.
    func whatsappConversation(_ tenantID: UUID, contact: UUID, on connection: PooledConnection, logger: Logger) async throws -> UUID? {
        try await firstID(
            connection.query(
                "SELECT id FROM conversations WHERE tenant_id = \(tenantID) AND contact_id = \(contact) AND channel = 'whatsapp'",
                logger: logger))
    }

    /// The WhatsApp conversations of the live contacts with these phones (E.164),
    /// locked, by phone; a phone without a live contact or conversation is absent.
    func whatsappConversations(
        _ tenantID: UUID, phones: [String], on connection: PooledConnection, logger: Logger
    ) async throws -> [String: Conversation] {
        let rows = try await connection.query(
            Self.whatsappConversationsQuery(tenantID, phones: phones), preparedAs: WhatsAppConversations.self, logger: logger)
        var found: [String: Conversation] = [:]
        for conversation in try await Self.conversations(from: rows) {
            if let phone = conversation.contact?.phone { found[phone] = conversation }
        }
        return found
    }

    /// Every batch of inbound WhatsApp messages looks its conversations up: prepared.
    enum WhatsAppConversations: PreparedSQL {
        static let sql = ConversationStore.whatsappConversationsQuery(UUID(), phones: []).sql
    }

    /// The contacts are found first, as an array the conversations' unique index then
    /// takes: a plan that grows with the phones asked for, never with the tenant's
    /// contacts times its conversations (what a join chose on fresh tables without
    /// statistics: 121 ms a batch in `ops/bench whatsapp`, against about 1 ms).
    static func whatsappConversationsQuery(_ tenantID: UUID, phones: [String]) -> PostgresQuery {
        var query = select(reader: nil, unreadDirection: .inbound)
        query.sql += """
             WHERE c.tenant_id = $\(query.binds.count + 1) AND c.channel = 'whatsapp'
               AND c.contact_id = ANY(ARRAY(SELECT id FROM contacts
                                            WHERE tenant_id = $\(query.binds.count + 1) AND phone = ANY($\(query.binds.count + 2)::text[])
                                              AND deleted_at IS NULL))
             ORDER BY c.id FOR UPDATE OF c
            """
        query.binds.append(tenantID)
        query.binds.append(phones)
        return query
    }

    /// `touch` for inbound WhatsApp messages of several conversations in one statement:
    /// each conversation with its newest message's time and preview.
    func touchInbound(
        _ tenantID: UUID, _ newest: [(id: UUID, messageAt: Date, preview: String)], on connection: PooledConnection, logger: Logger
    ) async throws {
        guard !newest.isEmpty else { return }
        try await connection.write(Self.touchInboundQuery(tenantID, newest), preparedAs: TouchInbound.self, logger: logger)
    }

    enum TouchInbound: PreparedSQL {
        static let sql = ConversationStore.touchInboundQuery(UUID(), []).sql
    }

    /// The ids come twice: as the rows to update (`c.id = ANY`, which the primary key
    /// takes) and beside their values, so the plan never depends on a join's estimate.
    static func touchInboundQuery(_ tenantID: UUID, _ newest: [(id: UUID, messageAt: Date, preview: String)]) -> PostgresQuery {
        let ids = newest.map(\.id)
        return """
            UPDATE conversations c SET
                last_message_at = greatest(c.last_message_at, t.message_at),
                last_message_preview = CASE WHEN t.message_at >= c.last_message_at OR c.last_message_preview IS NULL
                                            THEN t.preview ELSE c.last_message_preview END,
                last_inbound_at = greatest(coalesce(c.last_inbound_at, t.message_at), t.message_at),
                window_closed_at = NULL, status = 'open', resolved_at = NULL, updated_at = now()
            FROM unnest(\(ids)::uuid[], \(newest.map(\.messageAt))::timestamptz[],
                        \(newest.map { String($0.preview.prefix(200)) })::text[]) AS t(id, message_at, preview)
            WHERE c.tenant_id = \(tenantID) AND c.id = ANY(\(ids)::uuid[]) AND c.id = t.id
            """
    }

    /// Makes the WhatsApp conversations these contacts lack (assigned to the contact's
    /// owner) in one statement; answers the ids of those made.
    func insertWhatsApp(
        _ tenantID: UUID, contacts: [(id: UUID, owner: UUID?)], on connection: PooledConnection, logger: Logger
    ) async throws -> Set<UUID> {
        guard !contacts.isEmpty else { return [] }
        // An array bind carries no NULLs: the placeholder id stands for no assignee.
        let rows = try await connection.query(
            """
            INSERT INTO conversations (id, tenant_id, channel, contact_id, assignee_id)
            SELECT n.id, \(tenantID), 'whatsapp', n.contact_id, nullif(n.assignee_id, \(UUID.placeholder))
            FROM unnest(\(contacts.map { _ in UUID.timeOrdered() })::uuid[], \(contacts.map(\.id))::uuid[],
                        \(contacts.map { $0.owner ?? .placeholder })::uuid[]) AS n(id, contact_id, assignee_id)
            ON CONFLICT DO NOTHING RETURNING id
            """,
            logger: logger)
        var made = Set<UUID>()
        for try await id in rows.decode(UUID.self) { made.insert(id) }
        return made
    }

    /// Inserts a conversation unless its unique key (customer or contact) already has
    /// one; answers the id that exists afterwards and whether it is new.
    func insert(
        _ tenantID: UUID, channel: Conversation.Channel, contact: UUID?, customer: UUID?, assignee: UUID?,
        on connection: PooledConnection, logger: Logger
    ) async throws -> (id: UUID, created: Bool) {
        let id = UUID.timeOrdered()
        let inserted = try await firstID(
            connection.query(
                """
                INSERT INTO conversations (id, tenant_id, channel, contact_id, customer_user_id, assignee_id)
                VALUES (\(id), \(tenantID), \(channel.rawValue), \(contact), \(customer), \(assignee))
                ON CONFLICT DO NOTHING RETURNING id
                """,
                logger: logger))
        if let inserted { return (inserted, true) }
        let existing =
            switch channel {
            case .portal: try await portalConversation(tenantID, customer: customer!, on: connection, logger: logger)
            case .whatsapp: try await whatsappConversation(tenantID, contact: contact!, on: connection, logger: logger)
            }
        guard let existing else { throw ConversationError.notFound }
        return (existing, false)
    }

    /// Moves the conversation's inbox position and preview to a new message, and
    /// reopens it; an inbound WhatsApp message also reopens its window. (A WhatsApp
    /// message's time is the sender's, which may be before the conversation was made.)
    func touch(
        _ tenantID: UUID, id: UUID, messageAt: Date, preview: String, inbound: Bool, reopen: Bool,
        on connection: PooledConnection, logger: Logger
    ) async throws {
        let query = Self.touchQuery(tenantID, id: id, messageAt: messageAt, preview: preview, inbound: inbound, reopen: reopen)
        try await connection.query(query, preparedAs: Touch.self, logger: logger)
    }

    /// Every message moves its conversation: prepared.
    enum Touch: PreparedSQL {
        static let sql = ConversationStore.touchQuery(UUID(), id: UUID(), messageAt: Date(), preview: "", inbound: false, reopen: false).sql
    }

    static func touchQuery(
        _ tenantID: UUID, id: UUID, messageAt: Date, preview: String, inbound: Bool, reopen: Bool
    ) -> PostgresQuery {
        """
        UPDATE conversations SET
            last_message_at = greatest(last_message_at, \(messageAt)),
            last_message_preview = CASE WHEN \(messageAt) >= last_message_at OR last_message_preview IS NULL
                                        THEN \(String(preview.prefix(200))) ELSE last_message_preview END,
            last_inbound_at = CASE WHEN \(inbound) THEN greatest(coalesce(last_inbound_at, \(messageAt)), \(messageAt)) ELSE last_inbound_at END,
            -- The customer wrote: whatever closed the window before, it is open again.
            window_closed_at = CASE WHEN \(inbound) THEN NULL ELSE window_closed_at END,
            status = CASE WHEN \(reopen) THEN 'open' ELSE status END,
            resolved_at = CASE WHEN \(reopen) THEN NULL ELSE resolved_at END,
            updated_at = now()
        WHERE tenant_id = \(tenantID) AND id = \(id)
        """
    }

    func setAssignee(_ tenantID: UUID, id: UUID, assignee: UUID?, on connection: PooledConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE conversations SET assignee_id = \(assignee), updated_at = now() WHERE tenant_id = \(tenantID) AND id = \(id)",
            logger: logger
        )
    }

    func setStatus(_ tenantID: UUID, id: UUID, status: Conversation.Status, on connection: PooledConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE conversations SET status = \(status.rawValue), updated_at = now(),
                resolved_at = CASE WHEN \(status.rawValue) = 'resolved' THEN now() ELSE NULL END
            WHERE tenant_id = \(tenantID) AND id = \(id)
            """,
            logger: logger
        )
    }

    /// WhatsApp refused a free-form message with 131047: the window is closed until
    /// the customer writes again.
    func closeWindow(_ tenantID: UUID, id: UUID, on connection: PooledConnection, logger: Logger) async throws {
        try await connection.write(
            "UPDATE conversations SET window_closed_at = now(), updated_at = now() WHERE tenant_id = \(tenantID) AND id = \(id)",
            logger: logger
        )
    }

    /// Marks everything up to the newest message read by `user`; answers that
    /// message's id and seq, or nil when the conversation has no messages.
    func markRead(
        _ tenantID: UUID, conversation: UUID, user: UUID, on connection: PooledConnection, logger: Logger
    ) async throws -> (messageID: UUID, seq: Int64)? {
        let rows = try await connection.query(
            """
            WITH newest AS (
                SELECT id, seq FROM messages WHERE tenant_id = \(tenantID) AND conversation_id = \(conversation)
                ORDER BY seq DESC LIMIT 1
            ), marked AS (
                INSERT INTO conversation_reads (tenant_id, conversation_id, user_id, last_read_seq)
                SELECT \(tenantID), \(conversation), \(user), seq FROM newest
                ON CONFLICT (conversation_id, user_id)
                DO UPDATE SET last_read_seq = greatest(conversation_reads.last_read_seq, EXCLUDED.last_read_seq), read_at = now()
            )
            SELECT id, seq FROM newest
            """,
            logger: logger
        )
        for try await row in rows {
            var columns = row.makeIterator()
            let (id, seq) = (try columns.column(UUID.self), try columns.column(Int64.self))
            return (id, seq)
        }
        return nil
    }

    static func unreadDirection(_ reader: ConversationActor) -> ChatMessage.Direction {
        reader.isCustomer ? .outbound : .inbound
    }

    private func firstID(_ rows: CollectedRows) async throws -> UUID? {
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    static func conversations(from rows: some AsyncSequence<PostgresRow, any Error>) async throws -> [Conversation] {
        var result: [Conversation] = []
        for try await row in rows {
            var cells = row.makeIterator()
            let id = try cells.column(UUID.self)
            let tenantID = try cells.column(UUID.self)
            let channel = Conversation.Channel(rawValue: try cells.column(String.self)) ?? .portal
            let contactID = try cells.column(UUID?.self)
            let contactName = try cells.column(String?.self)
            let contactPhone = try cells.column(String?.self)
            let customerID = try cells.column(UUID?.self)
            let customerName = try cells.column(String?.self)
            let customerPhone = try cells.column(String?.self)
            let contact = contactID.map { Conversation.Party(id: $0, name: contactName ?? "", phone: contactPhone) }
            let customer = customerID.map { Conversation.Party(id: $0, name: customerName ?? "", phone: customerPhone) }
            result.append(
                Conversation(
                    id: id, tenantID: tenantID, channel: channel, contact: contact, customer: customer,
                    assigneeID: try cells.column(UUID?.self),
                    status: Conversation.Status(rawValue: try cells.column(String.self)) ?? .open,
                    lastMessageAt: try cells.column(Date.self),
                    lastMessagePreview: try cells.column(String?.self), lastInboundAt: try cells.column(Date?.self),
                    windowClosedAt: try cells.column(Date?.self),
                    createdAt: try cells.column(Date.self), updatedAt: try cells.column(Date.self),
                    resolvedAt: try cells.column(Date?.self),
                    unreadCount: Int(try cells.column(Int32.self))
                ))
        }
        return result
    }
}
