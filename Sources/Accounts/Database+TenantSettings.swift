import Foundation
import Logging
import Persistence

extension Database {
    /// `withTenant`, with the tenant's settings read together with BEGIN and the tenant
    /// scope (one wait for the three): for requests that need the settings first.
    public func withTenantSettings<Result: Sendable>(
        _ tenantID: UUID, logger: Logger, _ body: (PooledConnection, TenantSettings) async throws -> Result
    ) async throws -> Result {
        try await withTenant(tenantID, reading: [TenantStore.settingsQuery(tenantID)], logger: logger) { connection, rows in
            try await body(connection, try await TenantStore.settings(from: rows[0]))
        }
    }
}
