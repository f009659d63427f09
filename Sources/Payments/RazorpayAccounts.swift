import Accounts
import Foundation
import Logging
import Persistence
import PostgresNIO
import Razorpay

/// A tenant's Razorpay webhook as intake needs it.
public struct RazorpayWebhookAccount: Sendable {
    public let tenantID: UUID
    public let webhookSecret: String?
    /// The secret before the last change, while Razorpay may still sign
    /// redeliveries with it (24 hours after the change).
    public let previousWebhookSecret: String?
}

/// Where each tenant's Razorpay credentials are: the key id (and API base URL) in
/// settings, the key secret and webhook secret in the secret store. Webhook lookups
/// are cached briefly, like WhatsApp's.
public final class RazorpayAccounts: Sendable {
    let database: Database
    let secrets: TenantSecretStore
    let tenants = TenantStore()
    /// Known keys only: unknown ones are not kept (anyone can invent them).
    private let cache: RefreshingCache<String, RazorpayWebhookAccount>
    /// Razorpay retries a failed delivery for 24 hours from the event.
    static let redeliveryWindow: TimeInterval = 24 * 60 * 60

    public init(database: Database, secrets: TenantSecretStore, cacheLifetime: Duration = .seconds(10)) {
        self.database = database
        self.secrets = secrets
        cache = RefreshingCache(lifetime: cacheLifetime)
    }

    /// The API credentials, or nil when the tenant has no key id and key secret.
    func credentials(_ tenantID: UUID, on connection: PooledConnection, logger: Logger) async throws -> RazorpayCredentials? {
        guard let settings = try await tenants.find(id: tenantID, on: connection, logger: logger)?.settings.razorpay,
            let keyID = settings.keyId,
            let secret = try await secrets.read(tenantID, name: .razorpayKeySecret, on: connection, logger: logger)
        else { return nil }
        return RazorpayCredentials(baseURL: settings.baseUrl ?? RazorpayCredentials.defaultBaseURL, keyID: keyID, keySecret: secret)
    }

    /// The tenant whose Razorpay webhook key is `key`, with its webhook secret.
    /// `cached: false` reads it again (a secret may have changed within the cache's lifetime).
    public func account(webhookKey key: String, cached: Bool = true, logger: Logger) async throws -> RazorpayWebhookAccount? {
        let load: @Sendable () async throws -> RazorpayWebhookAccount? = { [self] in try await self.read(webhookKey: key, logger: logger) }
        return try await cached ? cache.value(for: key, load: load) : cache.refreshed(for: key, load: load)
    }

    private func read(webhookKey key: String, logger: Logger) async throws -> RazorpayWebhookAccount? {
        guard let tenantID = try await TenantWebhookKeys(database: database).tenant(forKey: key, provider: .razorpay, logger: logger)
        else { return nil }
        let account = try await database.withTenant(tenantID, logger: logger) { connection in
            let changed = try await secrets.summaries(tenantID, on: connection, logger: logger)[.razorpayPreviousWebhookSecret]?.updatedAt
            let previous: String? =
                if let changed, changed > Date().addingTimeInterval(-Self.redeliveryWindow) {
                    try await secrets.read(tenantID, name: .razorpayPreviousWebhookSecret, on: connection, logger: logger)
                } else {
                    nil
                }
            return RazorpayWebhookAccount(
                tenantID: tenantID,
                webhookSecret: try await secrets.read(tenantID, name: .razorpayWebhookSecret, on: connection, logger: logger),
                previousWebhookSecret: previous)
        }
        return account
    }
}
