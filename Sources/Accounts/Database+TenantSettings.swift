import Foundation
import Logging
import Persistence

extension Database {
    /// `withTenant`, with the tenant's settings read right behind BEGIN and the tenant
    /// scope (one wait for the three): for requests that need the settings first. The
    /// read stays a prepared statement: planned as a plain one on every request, it
    /// cost PostgreSQL more than the wait it saved (`ops/bench contacts` by turns).
    public func withTenantSettings<Result: Sendable>(
        _ tenantID: UUID, logger: Logger, _ body: (PooledConnection, TenantSettings) async throws -> Result
    ) async throws -> Result {
        try await withTenant(
            tenantID, first: { connection in try await TenantStore().find(id: tenantID, on: connection, logger: logger)?.settings },
            logger: logger
        ) { connection, settings in try await body(connection, settings ?? TenantSettings()) }
    }
}
