import Foundation
import Logging
import Persistence
import PostgresNIO

/// A tenant's settings as its admins see them: plain settings, and for each secret
/// only whether it is set and its last 4 characters.
public struct TenantSettingsView: Sendable {
    public let tenant: Tenant
    public let secrets: [TenantSecretName: SecretSummary]
    /// The unguessable key in each provider's webhook URL, by provider (`whatsapp`, `razorpay`).
    public let webhookKeys: [String: String]
}

/// Reads and changes a tenant's settings and write-only integration secrets.
public struct TenantSettingsService: Sendable {
    let database: Database
    let secretStore: TenantSecretStore
    let tenants = TenantStore()
    let audit = AuditLog()

    public init(database: Database, secretStore: TenantSecretStore) {
        self.database = database
        self.secretStore = secretStore
    }

    public func get(_ tenantID: UUID, logger: Logger) async throws -> TenantSettingsView {
        try await database.withTenant(tenantID, logger: logger) { connection in
            try await view(tenantID, on: connection, logger: logger)
        }
    }

    public func update(_ changes: TenantSettingsChanges, by actor: AdminActor, logger: Logger) async throws -> TenantSettingsView {
        let tenantID = actor.tenantID
        return try await database.withTenant(tenantID, logger: logger) { connection in
            guard var tenant = try await tenants.find(id: tenantID, on: connection, logger: logger) else {
                throw AccountsError.tenantNotFound
            }
            if let name = changes.name { tenant.name = name }
            changes.settings(&tenant.settings)
            _ = try await tenants.update(tenant, on: connection, logger: logger)
            if let replacement = changes.secrets[.razorpayWebhookSecret],
                let previous = try await secretStore.read(tenantID, name: .razorpayWebhookSecret, on: connection, logger: logger),
                previous != replacement
            {
                // Razorpay signs redeliveries of events from before the change with the old secret.
                try await secretStore.write(tenantID, name: .razorpayPreviousWebhookSecret, value: previous, on: connection, logger: logger)
            }
            for (name, value) in changes.secrets {
                if value.isEmpty {
                    try await secretStore.delete(tenantID, name: name, on: connection, logger: logger)
                } else {
                    try await secretStore.write(tenantID, name: name, value: value, on: connection, logger: logger)
                }
            }
            try await audit.record(
                tenantID, actor: .user(actor.userID), action: "settings.updated", targetType: "tenant",
                targetID: tenantID.uuidString, details: ["fields": changes.changedFields.joined(separator: ",")],
                requestID: actor.requestID, on: connection, logger: logger
            )
            return try await view(tenantID, on: connection, logger: logger)
        }
    }

    private func view(_ tenantID: UUID, on connection: PooledConnection, logger: Logger) async throws -> TenantSettingsView {
        guard let tenant = try await tenants.find(id: tenantID, on: connection, logger: logger) else {
            throw AccountsError.tenantNotFound
        }
        let secrets = try await secretStore.summaries(tenantID, on: connection, logger: logger)
        var keys: [String: String] = [:]
        let rows = try await connection.query(
            "SELECT provider, key FROM tenant_webhook_keys WHERE tenant_id = \(tenantID)", logger: logger)
        for try await row in rows {
            var columns = row.makeIterator()
            let (provider, key) = (try columns.column(String.self), try columns.column(String.self))
            keys[provider] = key
        }
        return TenantSettingsView(tenant: tenant, secrets: secrets, webhookKeys: keys)
    }
}
