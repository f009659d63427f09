import Accounts
import Foundation
import Hummingbird

/// Sign-in and token lifecycle.
///
/// - `POST /v1/auth/login`: anyone; rate limited per account and per client address
/// - `POST /v1/auth/refresh`: holder of a refresh token
/// - `POST /v1/auth/logout`: holder of a refresh token
struct AuthController: Sendable {
    let auth: AuthService
    let limiter: LoginRateLimiter

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("login", use: login)
        group.post("refresh", use: refresh)
        group.post("logout", use: logout)
    }

    struct LoginRequest: Decodable {
        let tenant: String
        let email: String
        let password: String
    }

    struct RefreshRequest: Decodable {
        let refreshToken: String
    }

    struct TokenResponse: ResponseEncodable {
        let accessToken: String
        let refreshToken: String
        let tokenType = "Bearer"
        let expiresIn: Int
        let user: UserResponse

        init(_ pair: TokenPair) {
            accessToken = pair.accessToken
            refreshToken = pair.refreshToken
            expiresIn = pair.expiresIn
            user = UserResponse(pair.user)
        }
    }

    func login(_ request: Request, context: AppRequestContext) async throws -> TokenResponse {
        let decoded = try await request.decodeJSON(as: LoginRequest.self, context: context)
        let body = LoginRequest(
            tenant: decoded.tenant.trimmingCharacters(in: .whitespaces).lowercased(),
            email: decoded.email.trimmingCharacters(in: .whitespaces),
            password: decoded.password
        )
        var validator = FieldValidator()
        if body.tenant.isEmpty || body.tenant.count > 63 { validator.fail("/tenant", "must be a tenant slug") }
        if body.email.isEmpty || body.email.count > 254 { validator.fail("/email", "must be an email address") }
        if body.password.isEmpty || body.password.utf8.count > 1024 { validator.fail("/password", "must be 1 to 1024 bytes") }
        try validator.finish()

        let account = "\(body.tenant)/\(body.email.lowercased())"
        if let wait = limiter.retryAfter(account: account, address: context.clientAddress) {
            throw AppError.tooManyRequests(retryAfterSeconds: wait)
        }
        do {
            let pair = try await auth.login(tenantSlug: body.tenant, email: body.email, password: body.password, logger: context.logger)
            limiter.recordSuccess(account: account)
            return TokenResponse(pair)
        } catch AccountsError.invalidCredentials {
            limiter.recordFailure(account: account, address: context.clientAddress)
            throw AccountsError.invalidCredentials
        }
    }

    func refresh(_ request: Request, context: AppRequestContext) async throws -> TokenResponse {
        let body = try await request.decodeJSON(as: RefreshRequest.self, context: context)
        return TokenResponse(try await auth.refresh(body.refreshToken, logger: context.logger))
    }

    func logout(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let body = try await request.decodeJSON(as: RefreshRequest.self, context: context)
        try await auth.logout(body.refreshToken, logger: context.logger)
        return .noContent
    }
}
