import Foundation
import PostgresNIO

/// Sets the transaction's tenant for row-level security. Prepared once per connection:
/// it runs at the start of every tenant transaction.
struct ScopeToTenant: PostgresPreparedStatement {
    static let sql = "SELECT set_config('switchboard.tenant_id', $1, true)"
    typealias Row = String

    let tenantID: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(tenantID.uuidString)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> String {
        try row.decode(String.self)
    }
}
