import Accounts
import Foundation
import Logging
import Persistence
import PostgresNIO
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
    /// Known keys only: unknown ones are not kept (anyone can invent them).
    private let cache: RefreshingCache<String, WhatsAppWebhookAccount>

    public init(database: Database, secrets: TenantSecretStore, cacheLifetime: Duration = .seconds(10)) {
        self.database = database
        self.secrets = secrets
        cache = RefreshingCache(lifetime: cacheLifetime)
    }

    /// The Graph API credentials to send with, or nil when the tenant has not set a
    /// phone number id and an access token.
    func credentials(_ tenantID: UUID, on connection: PooledConnection, logger: Logger) async throws -> GraphCredentials? {
        guard let settings = try await tenants.find(id: tenantID, on: connection, logger: logger)?.settings.whatsapp,
            let phoneNumberID = settings.phoneNumberId,
            let token = try await secrets.read(tenantID, name: .whatsappAccessToken, on: connection, logger: logger)
        else { return nil }
        return GraphCredentials(
            baseURL: settings.baseUrl ?? GraphCredentials.defaultBaseURL, apiVersion: settings.apiVersion ?? GraphCredentials.defaultAPIVersion,
            phoneNumberID: phoneNumberID, accessToken: token)
    }

    func isConfigured(_ tenantID: UUID, on connection: PooledConnection, logger: Logger) async throws -> Bool {
        try await credentials(tenantID, on: connection, logger: logger) != nil
    }

    /// The tenant whose WhatsApp webhook key is `key`, with its app secret and verify
    /// token, or nil for an unknown key.
    /// `cached: false` reads it again (a secret may have changed within the cache's lifetime).
    public func account(webhookKey key: String, cached: Bool = true, logger: Logger) async throws -> WhatsAppWebhookAccount? {
        let load: @Sendable () async throws -> WhatsAppWebhookAccount? = { [self] in try await self.read(webhookKey: key, logger: logger) }
        return try await cached ? cache.value(for: key, load: load) : cache.refreshed(for: key, load: load)
    }

    private func read(webhookKey key: String, logger: Logger) async throws -> WhatsAppWebhookAccount? {
        let keys = TenantWebhookKeys(database: database)
        guard let tenantID = try await keys.tenant(forKey: key, provider: .whatsapp, logger: logger) else { return nil }
        let account = try await database.withTenant(tenantID, logger: logger) { connection in
            WhatsAppWebhookAccount(
                tenantID: tenantID,
                appSecret: try await secrets.read(tenantID, name: .whatsappAppSecret, on: connection, logger: logger),
                verifyToken: try await secrets.read(tenantID, name: .whatsappVerifyToken, on: connection, logger: logger),
                phoneNumberID: try await tenants.find(id: tenantID, on: connection, logger: logger)?.settings.whatsapp.phoneNumberId
            )
        }
        return account
    }
}
