import Accounts
import Hummingbird
import HummingbirdAuth

/// Admits principals whose role is in `allowed`.
struct RolesPolicy: AuthorizationPolicy {
    let allowed: Set<Role>

    func isAuthorized(identity: Principal, request: Request) async throws -> Bool {
        allowed.contains(identity.role)
    }

    /// Owners and admins.
    static let administrators = RolesPolicy(allowed: [.owner, .admin])
    /// Everyone but portal customers.
    static let staff = RolesPolicy(allowed: [.owner, .admin, .agent])
    /// Any signed-in user.
    static let anyone = RolesPolicy(allowed: Set(Role.allCases))
}

extension RouterGroup where Context == AppRequestContext {
    /// A group whose routes need a valid access token and a principal with one of the policy's roles, running in
    /// the tenant's context.
    func tenantRoutes(
        _ path: RouterPath, authenticator: AccessTokenAuthenticator, policy: RolesPolicy
    ) -> RouterGroup<TenantRequestContext> {
        self.group(path)
            .add(middleware: authenticator)
            .add(middleware: AuthorizationPolicyMiddleware(policy, deniedError: AppError.forbidden(), context: AppRequestContext.self))
            .group(context: TenantRequestContext.self)
    }
}
