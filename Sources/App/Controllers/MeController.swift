import Accounts
import Hummingbird

/// The signed-in user.
///
/// - `GET /v1/me`: any signed-in user
struct MeController: Sendable {
    let users: UserAdministration

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(use: get)
    }

    func get(_ request: Request, context: TenantRequestContext) async throws -> UserResponse {
        UserResponse(try await users.get(context.tenantID, id: context.principal.userID, logger: context.logger))
    }
}
