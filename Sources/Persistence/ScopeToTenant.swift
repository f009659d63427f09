import Foundation
import PostgresNIO

/// Sets the transaction's tenant for row-level security. It runs at the start of
/// every tenant transaction, sent together with BEGIN (`inTransaction(opening:)`), so
/// it is a plain statement: PostgresNIO answers prepared ones only through a task of
/// their own (`StatementWatch.run`).
enum ScopeToTenant {
    static func query(_ tenantID: UUID) -> PostgresQuery {
        "SELECT set_config('switchboard.tenant_id', \(tenantID.uuidString), true)"
    }
}
