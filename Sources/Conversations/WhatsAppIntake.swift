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

    public init(database: Database, accounts: WhatsAppAccounts, inbound: WhatsAppInbound) {
        self.database = database
        self.accounts = accounts
        self.inbound = inbound
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
        let digest = ByteBuffer(bytes: SHA256.hash(data: body))
        let id = UUID()
        let stored = try await database.withTenant(account.tenantID, logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO whatsapp_deliveries (id, tenant_id, body, body_sha256) VALUES (\(id), \(account.tenantID), \(ByteBuffer(bytes: body)), \(digest))
                ON CONFLICT (tenant_id, body_sha256) DO NOTHING RETURNING id
                """,
                logger: logger)
            for try await _ in rows.decode(UUID.self) { return true }
            return false
        }
        if stored { inbound.nudge(account.tenantID, delivery: id) }
        return .accepted
    }
}
