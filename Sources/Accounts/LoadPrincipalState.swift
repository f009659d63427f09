import Foundation
import PostgresNIO

/// The authenticator's check of a session, its user and tenant, prepared once per
/// connection because it runs whenever `PrincipalCache` misses.
struct LoadPrincipalState: PostgresPreparedStatement {
    static let sql = """
        SELECT u.id, u.tenant_id, u.email, u.name, u.phone, u.role, u.status, u.created_at, u.updated_at,
               t.status, s.revoked_at IS NULL
        FROM users u
        JOIN tenants t ON t.id = u.tenant_id
        JOIN sessions s ON s.id = $3 AND s.user_id = u.id AND s.tenant_id = u.tenant_id
        WHERE u.tenant_id = $1 AND u.id = $2
        """
    typealias Row = PrincipalState

    let tenantID: UUID
    let userID: UUID
    let sessionID: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(tenantID)
        bindings.append(userID)
        bindings.append(sessionID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PrincipalState {
        let columns = row.makeRandomAccess()
        return PrincipalState(
            user: try UserStore.user(from: row),
            isTenantActive: try columns[9].decode(String.self, context: .default) == TenantStatus.active.rawValue,
            isSessionOpen: try columns[10].decode(Bool.self, context: .default)
        )
    }
}
