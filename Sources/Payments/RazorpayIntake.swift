import Crypto
import Foundation
import Logging
import Persistence
import PostgresNIO
import Razorpay

/// The front door of Razorpay webhooks: the signature is checked on the raw bytes
/// first (nothing is stored otherwise), the delivery is stored once per
/// `X-Razorpay-Event-Id`, acknowledged, and applied by `RazorpayInbound`.
public struct RazorpayIntake: Sendable {
    public enum Outcome: Sendable, Equatable {
        case accepted
        /// This event id was stored before: acknowledged, nothing more to do.
        case duplicate
        case unknownKey
        case unauthorized
    }

    let database: Database
    let accounts: RazorpayAccounts
    let inbound: RazorpayInbound
    /// Deliveries arriving together are stored in one transaction.
    let deliveries: GroupCommit<NewDelivery, Bool>

    public init(database: Database, accounts: RazorpayAccounts, inbound: RazorpayInbound) {
        self.database = database
        self.accounts = accounts
        self.inbound = inbound
        self.deliveries = GroupCommit { rows in try await Self.store(rows, database: database) }
    }

    public func receive(webhookKey: String, signature: String?, eventID: String?, body: [UInt8], logger: Logger) async throws -> Outcome {
        guard var account = try await accounts.account(webhookKey: webhookKey, logger: logger) else { return .unknownKey }
        func signed(_ account: RazorpayWebhookAccount) -> Bool {
            [account.webhookSecret, account.previousWebhookSecret].compactMap { $0 }
                .contains { RazorpaySignature.isValidWebhook(signature: signature, body: body, secret: $0) }
        }
        if !signed(account) {
            // The cached secrets may predate a change (made on any node): read them again before refusing.
            guard let fresh = try await accounts.account(webhookKey: webhookKey, cached: false, logger: logger), signed(fresh) else {
                return .unauthorized
            }
            account = fresh
        }
        // Without the header (Razorpay always sends it), the body itself names the event.
        let id = eventID.flatMap { (1...200).contains($0.count) ? $0 : nil }
            ?? "sha256:" + SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        let deliveryID = UUID.timeOrdered()
        let stored = try await deliveries.submit(NewDelivery(
            id: deliveryID, tenantID: account.tenantID, eventID: id, body: ByteBuffer(bytes: body), logger: logger))
        guard stored else { return .duplicate }
        inbound.nudge(account.tenantID, delivery: deliveryID)
        return .accepted
    }

    /// A verified delivery to store.
    struct NewDelivery: Sendable {
        let id: UUID
        let tenantID: UUID
        let eventID: String
        let body: ByteBuffer
        let logger: Logger
    }

    /// Stores `rows` (of any tenants) in one transaction; true for each row stored, false
    /// for an event id stored before (or twice in this batch).
    static func store(_ rows: [NewDelivery], database: Database) async throws -> [Bool] {
        let insert: PostgresQuery = """
            INSERT INTO razorpay_deliveries (id, tenant_id, event_id, body)
            SELECT * FROM unnest(\(rows.map(\.id))::uuid[], \(rows.map(\.tenantID))::uuid[],
                                 \(rows.map(\.eventID))::text[], \(rows.map(\.body))::bytea[])
            ON CONFLICT (tenant_id, event_id) DO NOTHING RETURNING id
            """
        return try await StoredDeliveries.insertBatch(insert, ids: rows.map(\.id), database: database, logger: rows[0].logger)
    }
}
