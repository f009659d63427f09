import Crypto
import Foundation
import Logging
import Persistence
import PostgresNIO
import WhatsApp

/// The front door of WhatsApp webhooks: the verify handshake, and deliveries, which
/// are verified on their raw bytes before anything else, stored as received, and
/// handed to `WhatsAppInbound` to process after the acknowledgement.
public struct WhatsAppIntake: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Stored (or already stored: the same bytes again); processing follows.
        case accepted
        case unknownKey
        /// Signature missing, malformed or wrong, or no app secret to check it with.
        case unauthorized
    }

    let database: Database
    let accounts: WhatsAppAccounts
    let inbound: WhatsAppInbound
    /// Deliveries arriving together are stored in one transaction.
    let deliveries: GroupCommit<NewDelivery, Bool>

    public init(database: Database, accounts: WhatsAppAccounts, inbound: WhatsAppInbound) {
        self.database = database
        self.accounts = accounts
        self.inbound = inbound
        self.deliveries = GroupCommit { rows in try await Self.store(rows, database: database) }
    }

    /// The challenge to echo for a valid `GET` handshake, or nil.
    public func verify(webhookKey: String, mode: String?, token: String?, challenge: String?, logger: Logger) async throws -> String? {
        for cached in [true, false] {
            guard let account = try await accounts.account(webhookKey: webhookKey, cached: cached, logger: logger) else { return nil }
            if let expected = account.verifyToken,
                let answer = VerifyHandshake.challenge(mode: mode, token: token, challenge: challenge, expectedToken: expected)
            {
                return answer
            }
        }
        return nil
    }

    public func receive(webhookKey: String, signature: String?, body: [UInt8], logger: Logger) async throws -> Outcome {
        guard var account = try await accounts.account(webhookKey: webhookKey, logger: logger) else { return .unknownKey }
        func signed(_ account: WhatsAppWebhookAccount) -> Bool {
            account.appSecret.map { WebhookSignature.isValid(header: signature, body: body, appSecret: $0) } ?? false
        }
        if !signed(account) {
            // The cached secret may predate a change (made on any node): read it again before refusing.
            guard let fresh = try await accounts.account(webhookKey: webhookKey, cached: false, logger: logger), signed(fresh) else {
                return .unauthorized
            }
            account = fresh
        }
        // bytea binds are ByteBuffers ([UInt8] would be sent as a "char" array).
        let id = UUID.timeOrdered()
        let stored = try await deliveries.submit(NewDelivery(
            id: id, tenantID: account.tenantID, body: ByteBuffer(bytes: body),
            digest: ByteBuffer(bytes: SHA256.hash(data: body)), logger: logger))
        if stored { inbound.nudge(account.tenantID, delivery: id) }
        return .accepted
    }

    /// A verified delivery to store.
    struct NewDelivery: Sendable {
        let id: UUID
        let tenantID: UUID
        let body: ByteBuffer
        let digest: ByteBuffer
        let logger: Logger
    }

    /// Stores `rows` (of any tenants) in one transaction; true for each row stored, false
    /// for the same bytes stored before (or twice in this batch).
    static func store(_ rows: [NewDelivery], database: Database) async throws -> [Bool] {
        let insert: PostgresQuery = """
            INSERT INTO whatsapp_deliveries (id, tenant_id, body, body_sha256)
            SELECT * FROM unnest(\(rows.map(\.id))::uuid[], \(rows.map(\.tenantID))::uuid[],
                                 \(rows.map(\.body))::bytea[], \(rows.map(\.digest))::bytea[])
            ON CONFLICT (tenant_id, body_sha256) DO NOTHING RETURNING id
            """
        return try await StoredDeliveries.insertBatch(insert, ids: rows.map(\.id), database: database, logger: rows[0].logger)
    }
}
