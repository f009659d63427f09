import Foundation
import PostgresNIO

/// The users list query, prepared once per connection: planning it anew each time
/// (with the RLS policy folded in) cost PostgreSQL more than running it (pgbench:
/// 2.2k transactions/s unprepared, 5.1k prepared, on the benchmark machine).
struct ListUsersPage: PostgresPreparedStatement {
    static let sql = """
        SELECT id, tenant_id, email, name, phone, role, status, created_at, updated_at, seq FROM users
        WHERE tenant_id = $1
          AND ($2::text IS NULL OR role = $2)
          AND ($3::text IS NULL OR status = $3)
          AND ($4::text IS NULL OR lower(email) LIKE $4 OR lower(name) LIKE $4)
          AND seq > $5
        ORDER BY seq
        LIMIT $6
        """
    typealias Row = (user: User, sequence: Int64)

    let tenantID: UUID
    let role: String?
    let status: String?
    let pattern: String?
    let after: Int64
    let limit: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(tenantID)
        bindings.append(role)
        bindings.append(status)
        bindings.append(pattern)
        bindings.append(after)
        bindings.append(Int64(limit))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        (try UserStore.user(from: row), try row.makeRandomAccess()[9].decode(Int64.self, context: .default))
    }
}
