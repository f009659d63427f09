import Accounts
import Hummingbird
import Logging

/// Turns `Authorization: Bearer <access token>` into the request's principal, or
/// answers 401. The token must be well signed and unexpired, and its session, user and
/// tenant must still be active (checked through `PrincipalCache`).
struct AccessTokenAuthenticator: RouterMiddleware {
    typealias Context = AppRequestContext

    let signer: AccessTokenSigner
    let principals: PrincipalCache
    let verified = VerifiedTokenCache()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = Self.bearerToken(in: request) else {
            throw AppError.unauthorized("Send an access token as `Authorization: Bearer <token>`.", error: "invalid_request")
        }
        let principal = try await authenticate(token, logger: context.logger)
        var context = context
        context.identity = principal
        context.logger[metadataKey: "tenant_id"] = "\(principal.tenantID)"
        context.logger[metadataKey: "user_id"] = "\(principal.userID)"
        context.facts.record(tenantID: principal.tenantID, userID: principal.userID)
        return try await next(request, context)
    }

    /// The principal behind a raw access token, or a 401 problem.
    func authenticate(_ token: String, logger: Logger) async throws -> Principal {
        try await authenticateWithClaims(token, logger: logger).principal
    }

    /// The principal and the token's claims (real-time connections close at `exp`).
    func authenticateWithClaims(_ token: String, logger: Logger) async throws -> (principal: Principal, claims: AccessTokenClaims) {
        guard let claims = await verifiedClaims(token), let userID = claims.userID else {
            throw AppError.unauthorized("The access token is invalid or expired.")
        }
        guard let state = try await principals.state(for: claims, userID: userID, logger: logger), state.isValid else {
            throw AppError.unauthorized("The session has ended or the account is no longer active.")
        }
        return (Principal(userID: userID, tenantID: claims.tid, role: state.role, sessionID: claims.sid, user: state.user), claims)
    }

    private func verifiedClaims(_ token: String) async -> AccessTokenClaims? {
        if let cached = verified.claims(for: token) { return cached }
        guard let claims = await signer.verify(token) else { return nil }
        verified.remember(token, claims: claims)
        return claims
    }

    /// The token of an `Authorization: Bearer <token>` header. Parsed on UTF-8 bytes:
    /// Foundation's trimming cost 11% of `/v1/me`'s CPU (perf).
    static func bearerToken(in request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let bytes = header.utf8
        guard bytes.count > 7, bytes.count <= 4096 + 7 else { return nil }
        let scheme = bytes.prefix(7).map { $0 | 0x20 }  // lower-case ASCII letters
        guard scheme == Array("bearer ".utf8) else { return nil }
        let token = bytes.dropFirst(7).drop { $0 == UInt8(ascii: " ") }
        let trimmed = token.reversed().drop { $0 == UInt8(ascii: " ") }.count
        guard trimmed > 0 else { return nil }
        return String(decoding: token.prefix(trimmed), as: UTF8.self)
    }
}
