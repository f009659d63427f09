import Accounts
import Contacts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import WhatsApp

/// Processes stored WhatsApp deliveries, each in one tenant transaction that also
/// marks it processed, so a crash mid-way redoes the whole delivery and nothing
/// twice: messages are inserted once by wamid, statuses only move forward. Runs
/// deliveries stored on this node at once and polls for the rest (other nodes'
/// leftovers, earlier failures, retried with backoff up to `maximumAttempts`).
public final class WhatsAppInbound: Service, Sendable {
    typealias Item = StoredDeliveries.Item

    let database: Database
    let logger: Logger
    let worker: NudgedWorker<Item>
    let conversations = ConversationStore()
    let messages = MessageStore()
    let events = ConversationEvents()
    let phoneContacts = PhoneContacts()
    let tenants = TenantStore()
    let service: ConversationService
    let deliveries = StoredDeliveries(table: WhatsAppDeliveryTable.self, purpose: .whatsappDeliveries)
    /// Deliveries of one tenant applied in one transaction, at most. 200 processed
    /// 1,708/s during 2,000 webhooks/s (50: about 1,050/s) but took the acknowledgement
    /// p99 from 17-20 ms to 54-84 ms (`BENCH_WA_RATES=2000 ops/bench whatsapp`, two
    /// runs against three). With statements sent ahead, 100 kept up with 2,000/s in
    /// four runs of four (1,994-1,997/s processed during the load; 50: 1,713-1,998/s)
    /// and the acknowledgement p99 met 20 ms in three of them (50: three).
    static let batchSize = 100
    /// How long a status naming an unknown wamid is retried before it is dropped.
    static let unknownStatusPatience: TimeInterval = 300

    struct StatusForUnknownMessage: Error {
        let wamid: String
    }

    struct SenderWithoutConversation: Error {
        let wamid: String
    }

    public init(database: Database, service: ConversationService, pollInterval: Duration = .seconds(1), logger: Logger) {
        self.database = database
        self.service = service
        self.logger = logger
        worker = NudgedWorker(pollInterval: pollInterval, concurrency: 4, concurrencyWhileArriving: 1, batchSize: Self.batchSize)
    }

    func nudge(_ tenantID: UUID, delivery: UUID) {
        worker.nudge(Item(tenantID: tenantID, deliveryID: delivery))
    }

    public func run() async throws {
        await worker.run(
            poll: { [self] in await pending() }, sameBatch: { $0.tenantID == $1.tenantID }, work: { [self] batch in await process(batch) })
    }

    private func pending() async -> [Item] {
        do {
            return try await deliveries.pending(database, logger: logger)
        } catch {
            logger.warning("could not look for WhatsApp deliveries", metadata: ["error": "\(String(reflecting: error))"])
            return []
        }
    }

    /// Applies one tenant's deliveries in one transaction; when any of them fails,
    /// each is applied again on its own, so one bad delivery holds up no other.
    func process(_ batch: [Item]) async {
        await deliveries.processTogetherOrEach(batch, logger: logger, together: { try await apply($0) }, each: { await process($0) })
    }

    func process(_ item: Item) async {
        do {
            try await apply([item])
        } catch  where error.violatedUniqueConstraint != nil || error is PhoneContacts.ConcurrentCreate {
            // Another delivery created the same contact or conversation at the same
            // moment: the second try finds them.
            do { try await apply([item]) } catch { await recordFailure(item, error) }
        } catch {
            await recordFailure(item, error)
        }
    }

    private func recordFailure(_ item: Item, _ error: any Error) async {
        if let early = error as? StatusForUnknownMessage {
            logger.notice("WhatsApp status before its message's wamid was stored; retrying", metadata: ["wamid": "\(early.wamid)"])
        } else {
            logger.error(
                "WhatsApp delivery failed", metadata: ["delivery_id": "\(item.deliveryID)", "error": "\(String(reflecting: error))"])
        }
        do {
            try await deliveries.recordFailure(item, error: error, database: database, logger: logger)
        } catch {
            logger.warning("could not record a WhatsApp delivery failure", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    private func apply(_ batch: [Item]) async throws {
        let tenantID = batch[0].tenantID
        let settingsRead = [TenantStore.settingsQuery(tenantID)]
        try await deliveries.apply(batch, reading: settingsRead, database: database, logger: logger) { taken, read, connection in
            let settings = try await TenantStore.settings(from: read[0])
            // A webhook for another number of the same app is not this tenant's.
            let number = settings.whatsapp.phoneNumberId
            func ours(_ target: String?) -> Bool { number == nil || target == nil || target == number }
            var notes: [String?] = []
            // Consecutive deliveries' messages are applied together, and their statuses
            // together, each run in arrival order with the other kind (a 131047 closes
            // the window an inbound message opens). At most one of the two is pending.
            var messages: [InboundMessage] = []
            var statuses: [ReceivedStatus] = []
            for delivery in taken {
                let notification: WebhookNotification
                do {
                    notification = try WebhookNotification.parse(delivery.body)
                } catch let error as WebhookPayloadError {
                    // Signed by the tenant's app, yet not a notification: keep it, do not retry.
                    notes.append("not a WhatsApp notification: \(error.reason)")
                    continue
                }
                notes.append(nil)
                let arrivingMessages = notification.messages.filter { ours($0.phoneNumberID) }
                let arrivingStatuses = notification.statuses.filter { ours($0.phoneNumberID) }
                if !arrivingMessages.isEmpty, !statuses.isEmpty {
                    try await applyStatuses(statuses, tenantID: tenantID, on: connection)
                    statuses = []
                }
                messages += arrivingMessages
                if !arrivingStatuses.isEmpty, !messages.isEmpty {
                    try await receive(messages, tenantID: tenantID, settings: settings, on: connection)
                    messages = []
                }
                statuses += arrivingStatuses.map { ($0, delivery.receivedAt) }
            }
            try await receive(messages, tenantID: tenantID, settings: settings, on: connection)
            try await applyStatuses(statuses, tenantID: tenantID, on: connection)
            return notes
        }
    }

    /// Inbound messages, in order: those from senders with a conversation already
    /// together (`receiveFromKnownSenders`), then those from new senders together
    /// (`receiveFromNewSenders`).
    private func receive(_ inbound: [InboundMessage], tenantID: UUID, settings: TenantSettings, on connection: PooledConnection)
        async throws
    {
        let usable = inbound.filter { message in
            guard Self.isUsableSender(message.from) else {
                logger.warning("WhatsApp message from an unusable number skipped", metadata: ["wamid": "\(message.id)"])
                return false
            }
            return true
        }
        guard !usable.isEmpty else { return }
        let new = try await receiveFromKnownSenders(usable, tenantID: tenantID, on: connection)
        let unplaced = try await receiveFromNewSenders(new, tenantID: tenantID, settings: settings, on: connection)
        // Both paths made or found every sender's conversation; one still missing was
        // changed under this transaction (a contact deleted): the delivery is retried.
        if let message = unplaced.first { throw SenderWithoutConversation(wamid: message.id) }
    }

    /// A sender's wa_id is 7-15 digits without a leading 0 (E.164 without its "+").
    static func isUsableSender(_ from: String) -> Bool {
        from.utf8.count >= 7 && from.utf8.count <= 15 && from.first != "0" && from.utf8.allSatisfy { (48...57).contains($0) }
    }

    /// The message row of an inbound WhatsApp message.
    static func draft(_ inbound: InboundMessage, conversationID: UUID) -> MessageStore.Draft {
        MessageStore.Draft(
            conversationID: conversationID, direction: .inbound, authorID: nil, type: String(inbound.type.prefix(40)),
            body: String(inbound.text.prefix(4096)), status: .delivered, providerMessageID: inbound.id, createdAt: inbound.timestamp)
    }
}

/// `whatsapp_deliveries`: verified deliveries as received, until processed.
enum WhatsAppDeliveryTable: DeliveryTable {
    static let name = "whatsapp_deliveries"
}
