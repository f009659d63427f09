import Foundation
import Logging
import Persistence
import PostgresNIO

/// Reads and writes `tenants` rows.
public struct TenantStore: Sendable {
    public init() {}

    private static let columns = "id, slug, name, status, settings::text, created_at, updated_at"

    /// Every webhook delivery and call reads its tenant's settings: prepared.
    enum FindByID: PreparedSQL { static let sql = TenantStore.findQuery(id: UUID()).sql }

    static func findQuery(id: UUID) -> PostgresQuery { "SELECT \(unescaped: Self.columns) FROM tenants WHERE id = \(id)" }

    public func find(id: UUID, on connection: PooledConnection, logger: Logger) async throws -> Tenant? {
        let rows = try await connection.query(Self.findQuery(id: id), preparedAs: FindByID.self, logger: logger)
        return try await Self.tenants(from: rows).first
    }

    /// `tenantID`'s settings, read ahead (`PooledConnection.readAhead`).
    public func settingsAhead(_ tenantID: UUID, on connection: PooledConnection, logger: Logger) async -> Ahead<TenantSettings> {
        await connection.readAhead(Self.findQuery(id: tenantID), preparedAs: FindByID.self, logger: logger).decoded { rows in
            try await Self.settings(from: rows)
        }
    }

    /// The statement that reads `tenantID`'s settings (for `Database.withTenant(_:reading:)`).
    public static func settingsQuery(_ tenantID: UUID) -> PostgresQuery { findQuery(id: tenantID) }

    /// The settings `settingsQuery` read; the defaults when the tenant is not visible.
    public static func settings(from rows: some AsyncSequence<PostgresRow, any Error>) async throws -> TenantSettings {
        try await tenants(from: rows).first?.settings ?? TenantSettings()
    }

    /// Needs a cross-tenant transaction: the slug is all the caller knows.
    public func find(slug: String, on connection: PooledConnection, logger: Logger) async throws -> Tenant? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM tenants WHERE slug = \(slug)", logger: logger
        )
        return try await Self.tenants(from: rows).first
    }

    /// Every tenant, ordered by slug, after `afterSlug`. Needs a cross-tenant transaction.
    public func list(afterSlug: String?, limit: Int, on connection: PooledConnection, logger: Logger) async throws -> [Tenant] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM tenants
            WHERE slug > \(afterSlug ?? "") ORDER BY slug LIMIT \(limit)
            """,
            logger: logger
        )
        return try await Self.tenants(from: rows)
    }

    public func insert(
        slug: String, name: String, settings: TenantSettings,
        on connection: PooledConnection, logger: Logger
    ) async throws -> Tenant {
        do {
            let rows = try await connection.query(
                """
                INSERT INTO tenants (slug, name, settings) VALUES (\(slug), \(name), \(try settings.jsonText())::jsonb)
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            guard let tenant = try await Self.tenants(from: rows).first else { throw AccountsError.tenantNotFound }
            return tenant
        } catch  where error.violatedUniqueConstraint == "tenants_slug_key" {
            throw AccountsError.slugTaken
        }
    }

    /// Writes the tenant's name, status and settings.
    public func update(_ tenant: Tenant, on connection: PooledConnection, logger: Logger) async throws -> Tenant {
        let rows = try await connection.query(
            """
            UPDATE tenants SET name = \(tenant.name), status = \(tenant.status.rawValue),
                settings = \(try tenant.settings.jsonText())::jsonb, updated_at = now()
            WHERE id = \(tenant.id)
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger
        )
        guard let updated = try await Self.tenants(from: rows).first else { throw AccountsError.tenantNotFound }
        return updated
    }

    static func tenants(from rows: some AsyncSequence<PostgresRow, any Error>) async throws -> [Tenant] {
        var tenants: [Tenant] = []
        for try await (id, slug, name, status, settings, createdAt, updatedAt) in rows.decode(
            (UUID, String, String, String, String, Date, Date).self
        ) {
            tenants.append(
                Tenant(
                    id: id, slug: slug, name: name,
                    status: TenantStatus(rawValue: status) ?? .suspended,
                    settings: try JSONDecoder().decode(TenantSettings.self, from: Data(settings.utf8)),
                    createdAt: createdAt, updatedAt: updatedAt
                )
            )
        }
        return tenants
    }
}

extension Encodable {
    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
