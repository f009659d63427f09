import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import WhatsApp

/// Sends queued WhatsApp messages through the Graph API. A message is claimed (one
/// attempt more, leased to this node) before the request and settled after it:
/// `sent` with its wamid, `failed` with WhatsApp's error, or back in the queue with
/// a backoff after a 429, a 5xx or a dropped connection. Nothing is sent twice: a
/// message whose lease ran out mid-send (its node died) is failed, not resent,
/// because whether WhatsApp took it is unknown.
public final class WhatsAppSender: Service, Sendable {
    struct Item: Sendable, Hashable {
        let tenantID: UUID
        let messageID: UUID
    }

    let database: Database
    let accounts: WhatsAppAccounts
    let graph: GraphClient
    let logger: Logger
    let store = MessageStore()
    let conversations = ConversationStore()
    let events = ConversationEvents()
    let worker: NudgedWorker<Item>
    let maximumAttempts: Int
    /// Longer than the Graph client's timeout, so a live send never loses its lease.
    static let leaseSeconds = 60

    public init(
        database: Database, accounts: WhatsAppAccounts, graph: GraphClient = GraphClient(), maximumAttempts: Int = 6,
        pollInterval: Duration = .seconds(1), logger: Logger
    ) {
        self.database = database
        self.accounts = accounts
        self.graph = graph
        self.maximumAttempts = maximumAttempts
        self.logger = logger
        worker = NudgedWorker(pollInterval: pollInterval, concurrency: 16)
    }

    /// Sends a just-queued message from this node without waiting for the next poll.
    func nudge(_ tenantID: UUID, message: UUID) {
        worker.nudge(Item(tenantID: tenantID, messageID: message))
    }

    public func run() async throws {
        await worker.run(poll: { [self] in await due() }, work: { [self] item in await send(item) })
    }

    /// Queued messages due now in every tenant; fails those whose sender died mid-send.
    private func due() async -> [Item] {
        do {
            return try await database.withCrossTenantAccess(.whatsappSends, logger: logger) { connection in
                let interrupted = try await connection.query(
                    """
                    UPDATE messages SET status = 'failed', lease_until = NULL, next_attempt_at = NULL, error_code = NULL,
                        error_title = 'Sending was interrupted; not retried, since WhatsApp may have received it'
                    WHERE status = 'queued' AND lease_until < now()
                    RETURNING tenant_id, id
                    """,
                    logger: logger)
                for try await row in interrupted {
                    var columns = row.makeIterator()
                    let (tenantID, id) = (try columns.column(UUID.self), try columns.column(UUID.self))
                    logger.warning("WhatsApp send interrupted", metadata: ["tenant_id": "\(tenantID)", "message_id": "\(id)"])
                }
                let rows = try await connection.query(
                    """
                    SELECT tenant_id, id FROM messages
                    WHERE status = 'queued' AND next_attempt_at <= now() AND lease_until IS NULL
                    ORDER BY next_attempt_at LIMIT 200
                    """,
                    logger: logger)
                var items: [Item] = []
                for try await row in rows {
                    var columns = row.makeIterator()
                    let (tenantID, id) = (try columns.column(UUID.self), try columns.column(UUID.self))
                    items.append(Item(tenantID: tenantID, messageID: id))
                }
                return items
            }
        } catch {
            logger.warning("could not look for queued WhatsApp messages", metadata: ["error": "\(String(reflecting: error))"])
            return []
        }
    }

    private func send(_ item: Item) async {
        do {
            try await attempt(item)
        } catch {
            // The lease runs out; the next poll fails the message rather than risk a duplicate.
            logger.error(
                "WhatsApp send could not be settled",
                metadata: ["message_id": "\(item.messageID)", "error": "\(String(reflecting: error))"])
        }
    }

    private func attempt(_ item: Item) async throws {
        let claimed = try await database.withTenant(item.tenantID, logger: logger) { connection -> Claimed? in
            guard
                let (message, attempts) = try await store.claimForSending(
                    item.tenantID, id: item.messageID, leaseSeconds: Self.leaseSeconds, on: connection, logger: logger)
            else { return nil }
            let phone = try await recipient(item.tenantID, conversation: message.conversationID, on: connection)
            let credentials = try await accounts.credentials(item.tenantID, on: connection, logger: logger)
            return Claimed(message: message, attempts: attempts, phone: phone, credentials: credentials)
        }
        guard let claimed else { return }
        let outcome: SendOutcome
        if let phone = claimed.phone, let credentials = claimed.credentials {
            let content: OutboundContent =
                if let template = claimed.message.template {
                    .template(name: template.name, language: template.language, parameters: template.parameters)
                } else {
                    .text(claimed.message.body)
                }
            outcome = await graph.send(content, to: phone, credentials: credentials, logger: logger)
        } else if claimed.phone == nil {
            outcome = .rejected(GraphError(httpStatus: nil, code: nil, title: "The contact has no phone number"))
        } else {
            outcome = .rejected(GraphError(httpStatus: nil, code: nil, title: "WhatsApp is not configured for this tenant"))
        }
        try await settle(item, message: claimed.message, attempts: claimed.attempts, outcome: outcome)
    }

    struct Claimed: Sendable {
        let message: ChatMessage
        let attempts: Int
        let phone: String?
        let credentials: GraphCredentials?
    }

    private func recipient(_ tenantID: UUID, conversation: UUID, on connection: PooledConnection) async throws -> String? {
        let rows = try await connection.query(
            """
            SELECT ct.phone FROM conversations c JOIN contacts ct ON ct.id = c.contact_id AND ct.tenant_id = c.tenant_id
            WHERE c.tenant_id = \(tenantID) AND c.id = \(conversation)
            """,
            logger: logger)
        for try await phone in rows.decode(String?.self) { return phone }
        return nil
    }

    private func settle(_ item: Item, message claimed: ChatMessage, attempts: Int, outcome: SendOutcome) async throws {
        try await database.withTenant(item.tenantID, logger: logger) { connection in
            var message = claimed
            let now = Date()
            switch outcome {
            case .accepted(let wamid):
                message.providerMessageID = wamid
                message.sentAt = message.sentAt ?? now
                // A status webhook may have moved it on already; only move forward.
                if message.status == .queued { message.status = .sent }
                message.errorCode = nil
                message.errorTitle = nil
            case .rejected(let error):
                message.status = .failed
                message.errorCode = error.code
                message.errorTitle = error.title
                if error.code == 131047 {
                    try await conversations.closeWindow(item.tenantID, id: message.conversationID, on: connection, logger: logger)
                }
            case .retryable(let error) where attempts < maximumAttempts:
                // 1, 2, 4, 8, 16 s ... up to a minute, with jitter so retries spread out.
                let backoff = min(60, pow(2, Double(attempts - 1))) * Double.random(in: 0.8...1.2)
                logger.notice(
                    "WhatsApp send will be retried",
                    metadata: ["message_id": "\(message.id)", "attempt": "\(attempts)", "error": "\(error.title)"])
                try await store.retryLater(
                    item.tenantID, id: message.id, afterSeconds: backoff, error: error.title, code: error.code, on: connection,
                    logger: logger)
                return
            case .retryable(let error):
                message.status = .failed
                message.errorCode = error.code
                message.errorTitle = "\(error.title) (gave up after \(attempts) attempts)"
            }
            try await store.saveDelivery(message, tenantID: item.tenantID, statusAt: nil, on: connection, logger: logger)
            try await store.leaveQueue(item.tenantID, id: message.id, on: connection, logger: logger)
            if let conversation = try await conversations.find(
                item.tenantID, id: message.conversationID, reader: nil, on: connection, logger: logger)
            {
                try await events.status(message, in: conversation, at: now, on: connection, logger: logger)
            }
        }
    }
}
