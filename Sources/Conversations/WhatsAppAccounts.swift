import Accounts
import Foundation
import Logging
import Persistence
import PostgresNIO
import Synchronization
import WhatsApp

/// A tenant's WhatsApp number as its webhook needs it.
public struct WhatsAppWebhookAccount: Sendable {
    public let tenantID: UUID
    public let appSecret: String?
    public let verifyToken: String?
    public let phoneNumberID: String?
}

/// Where each tenant's WhatsApp credentials are: settings for the public parts, the
/// secret store for the token and secrets, and the webhook key that names the tenant
/// in its webhook URL. Webhook lookups are cached briefly: a busy number posts
/// thousands of webhooks a second, and each needs the app secret.
public final class WhatsAppAccounts: Sendable {
    let database: Database
    let secrets: TenantSecretStore
    let tenants = TenantStore()
    let cacheLifetime: Duration
    private let cache = Mutex<[String: (account: WhatsAppWebhookAccount, until: ContinuousClock.Instant)]>([:])
    /// Unknown keys are not cached (anyone can invent them); known ones are few.
    static let cacheLimit = 10_000

    public init(database: Database, secrets: TenantSecretStore, cacheLifetime: Duration = .seconds(10)) {
        self.database = database
        self.secrets = secrets
        self.cacheLifetime = cacheLifetime
    }

    /// The Graph API credentials to send with, or nil when the tenant has not set a
    /// phone number id and an access token.
    func credentials(_ tenantID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> GraphCredentials? {
        guard let settings = try await tenants.find(id: tenantID, on: connection, logger: logger)?.settings.whatsapp,
            let phoneNumberID = settings.phoneNumberId,
            let token = try await secrets.read(tenantID, name: .whatsappAccessToken, on: connection, logger: logger)
        else { return nil }
        return GraphCredentials(
            baseURL: settings.baseUrl ?? GraphCredentials.defaultBaseURL, apiVersion: settings.apiVersion ?? GraphCredentials.defaultAPIVersion,
            phoneNumberID: phoneNumberID, accessToken: token)
    }

    func isConfigured(_ tenantID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await credentials(tenantID, on: connection, logger: logger) != nil
    }

    /// The tenant whose WhatsApp webhook key is `key`, with its app secret and verify
    /// token, or nil for an unknown key.
    public func account(webhookKey key: String, logger: Logger) async throws -> WhatsAppWebhookAccount? {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[key] }), cached.until > now { return cached.account }
        guard key.utf8.count == 64, key.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        let tenantID = try await database.withCrossTenantAccess(.whatsappWebhookKey, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT k.tenant_id FROM tenant_webhook_keys k JOIN tenants t ON t.id = k.tenant_id
                WHERE k.key = \(key) AND k.provider = 'whatsapp' AND t.status = 'active'
                """,
                logger: logger)
            for try await id in rows.decode(UUID.self) { return id as UUID? }
            return nil
        }
        guard let tenantID else { return nil }
        let account = try await database.withTenant(tenantID, logger: logger) { connection in
            WhatsAppWebhookAccount(
                tenantID: tenantID,
                appSecret: try await secrets.read(tenantID, name: .whatsappAppSecret, on: connection, logger: logger),
                verifyToken: try await secrets.read(tenantID, name: .whatsappVerifyToken, on: connection, logger: logger),
                phoneNumberID: try await tenants.find(id: tenantID, on: connection, logger: logger)?.settings.whatsapp.phoneNumberId
            )
        }
        cache.withLock { entries in
            if entries.count >= Self.cacheLimit { entries.removeAll() }
            entries[key] = (account, now.advanced(by: cacheLifetime))
        }
        return account
    }

    /// The path of the tenant's webhook for `provider` (`whatsapp`, `razorpay`).
    public static func webhookKey(
        _ tenantID: UUID, provider: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> String? {
        let rows = try await connection.query(
            "SELECT key FROM tenant_webhook_keys WHERE tenant_id = \(tenantID) AND provider = \(provider)", logger: logger)
        for try await key in rows.decode(String.self) { return key }
        return nil
    }
}
