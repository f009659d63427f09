import Accounts
import Hummingbird

/// The signed-in user.
///
/// - `GET /v1/me`: any signed-in user
///
/// Answers from the user row the authenticator read (at most `PrincipalCache`'s
/// lifetime ago, and invalidated on this node by changes made here): the hottest
/// route costs no query of its own.
struct MeController: Sendable {
    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(use: get)
    }

    func get(_ request: Request, context: TenantRequestContext) async throws -> UserResponse {
        UserResponse(context.principal.user)
    }
}
