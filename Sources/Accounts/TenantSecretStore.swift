import Foundation
import Logging
import Persistence
import PostgresNIO

/// Integration secrets, sealed with the master key before they reach the database.
public struct TenantSecretStore: Sendable {
    private let box: SecretBox

    public init(box: SecretBox) {
        self.box = box
    }

    /// Stores (or replaces) a secret.
    public func write(
        _ tenantID: UUID, name: TenantSecretName, value: String,
        on connection: PooledConnection, logger: Logger
    ) async throws {
        let sealed = Data(try box.seal(value, tenantID: tenantID, name: name.rawValue))
        let last4 = value.count > 8 ? String(value.suffix(4)) : ""
        try await connection.query(
            """
            INSERT INTO tenant_secrets (tenant_id, name, ciphertext, last4) VALUES (\(tenantID), \(name.rawValue), \(sealed), \(last4))
            ON CONFLICT (tenant_id, name) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, last4 = EXCLUDED.last4, updated_at = now()
            """,
            logger: logger
        )
    }

    public func delete(_ tenantID: UUID, name: TenantSecretName, on connection: PooledConnection, logger: Logger) async throws {
        try await connection.query(
            "DELETE FROM tenant_secrets WHERE tenant_id = \(tenantID) AND name = \(name.rawValue)",
            logger: logger
        )
    }

    /// What may be shown of each stored secret: that it exists and at most its last 4 characters.
    public func summaries(_ tenantID: UUID, on connection: PooledConnection, logger: Logger) async throws -> [TenantSecretName:
        SecretSummary]
    {
        let rows = try await connection.query(
            "SELECT name, last4, updated_at FROM tenant_secrets WHERE tenant_id = \(tenantID)",
            logger: logger
        )
        var summaries: [TenantSecretName: SecretSummary] = [:]
        for try await row in rows {
            var columns = row.makeIterator()
            let (name, last4, updatedAt) = (try columns.column(String.self), try columns.column(String.self), try columns.column(Date.self))
            guard let name = TenantSecretName(rawValue: name) else { continue }
            summaries[name] = SecretSummary(last4: last4.isEmpty ? nil : last4, updatedAt: updatedAt)
        }
        return summaries
    }

    /// The plaintext, for the adapters that call providers; never for API responses.
    public func read(_ tenantID: UUID, name: TenantSecretName, on connection: PooledConnection, logger: Logger) async throws -> String? {
        let rows = try await connection.query(
            "SELECT ciphertext FROM tenant_secrets WHERE tenant_id = \(tenantID) AND name = \(name.rawValue)",
            logger: logger
        )
        for try await ciphertext in rows.decode(Data.self) {
            return try box.open(Array(ciphertext), tenantID: tenantID, name: name.rawValue)
        }
        return nil
    }
}

/// The visible part of a stored secret.
public struct SecretSummary: Sendable, Equatable {
    public let last4: String?
    public let updatedAt: Date
}
