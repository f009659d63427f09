import Foundation
import Logging
import Persistence
import PostgresNIO

/// The unguessable keys that name a tenant in provider webhook URLs
/// (`/v1/webhooks/{provider}/{key}`); every tenant gets one per provider when it is
/// created (migration 0011's trigger).
public struct TenantWebhookKeys: Sendable {
    public enum Provider: String, Sendable { case whatsapp, razorpay }

    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The active tenant whose `provider` key is `key`, or nil. The request carries
    /// no token, so this is a cross-tenant lookup; a malformed key costs no query.
    public func tenant(forKey key: String, provider: Provider, logger: Logger) async throws -> UUID? {
        guard key.utf8.count == 64, key.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        return try await database.withCrossTenantAccess(.webhookKey, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT k.tenant_id FROM tenant_webhook_keys k JOIN tenants t ON t.id = k.tenant_id
                WHERE k.key = \(key) AND k.provider = \(provider.rawValue) AND t.status = 'active'
                """,
                logger: logger)
            for try await id in rows.decode(UUID.self) { return id as UUID? }
            return nil
        }
    }

    /// The tenant's key for `provider`.
    public static func key(
        _ tenantID: UUID, provider: Provider, on connection: PooledConnection, logger: Logger
    ) async throws -> String? {
        let rows = try await connection.query(
            "SELECT key FROM tenant_webhook_keys WHERE tenant_id = \(tenantID) AND provider = \(provider.rawValue)", logger: logger)
        for try await key in rows.decode(String.self) { return key }
        return nil
    }
}
