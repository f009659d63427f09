import Foundation
import Logging
import Persistence
import PostgresNIO

/// Login, refresh-token rotation with reuse detection, and logout.
public struct AuthService: Sendable {
    let database: Database
    let hasher: PasswordHasher
    let signer: AccessTokenSigner
    let users = UserStore()
    let tenants = TenantStore()
    let sessions = SessionStore()

    public init(database: Database, hasher: PasswordHasher, signer: AccessTokenSigner) {
        self.database = database
        self.hasher = hasher
        self.signer = signer
    }

    /// Checks the password and opens a session. Unknown tenant, unknown email and wrong
    /// password all throw `invalidCredentials` after the same bcrypt work.
    public func login(tenantSlug: String, email: String, password: String, logger: Logger) async throws -> TokenPair {
        let tenant = try await database.withCrossTenantAccess(.resolveTenantForLogin, logger: logger) { connection in
            try await tenants.find(slug: tenantSlug, on: connection, logger: logger)
        }
        guard let tenant else {
            _ = try await hasher.verify(password, against: nil)
            throw AccountsError.invalidCredentials
        }
        let credentials = try await database.withTenant(tenant.id, logger: logger) { connection in
            try await users.findCredentials(tenant.id, email: email, on: connection, logger: logger)
        }
        guard try await hasher.verify(password, against: credentials?.passwordHash), let user = credentials?.user else {
            throw AccountsError.invalidCredentials
        }
        // Status is revealed only to someone who knows the password.
        guard tenant.status == .active else { throw AccountsError.tenantSuspended }
        guard user.status == .active else { throw AccountsError.userDisabled }

        let refreshToken = RefreshToken.generate(tenantID: tenant.id)
        let sessionID = try await database.withTenant(tenant.id, logger: logger) { connection in
            try await sessions.open(tenant.id, userID: user.id, token: refreshToken, on: connection, logger: logger)
        }
        return try await pair(for: user, sessionID: sessionID, refreshToken: refreshToken)
    }

    /// Rotates a refresh token. A token presented twice revokes its whole session.
    public func refresh(_ presented: String, logger: Logger) async throws -> TokenPair {
        guard let token = RefreshToken(presented: presented) else { throw AccountsError.invalidRefreshToken }
        let tenantID = token.tenantID
        let outcome: RefreshOutcome = try await database.withTenant(tenantID, logger: logger) { connection in
            guard let stored = try await sessions.lockToken(tenantID, hash: token.hash, on: connection, logger: logger) else {
                return .rejected(.invalidRefreshToken)
            }
            if stored.isUsed {
                try await sessions.revoke(
                    tenantID, sessionID: stored.sessionID, reason: "refresh-token-reuse", on: connection, logger: logger)
                logger.warning("refresh token reuse detected; session revoked", metadata: ["session_id": "\(stored.sessionID)"])
                return .rejected(.refreshTokenReused)
            }
            guard !stored.isSessionRevoked, stored.expiresAt > Date() else { return .rejected(.invalidRefreshToken) }
            guard let user = try await users.find(tenantID, id: stored.userID, on: connection, logger: logger),
                let tenant = try await tenants.find(id: tenantID, on: connection, logger: logger)
            else { return .rejected(.invalidRefreshToken) }
            guard tenant.status == .active else { return .rejected(.tenantSuspended) }
            guard user.status == .active else { return .rejected(.userDisabled) }

            let next = RefreshToken.generate(tenantID: tenantID)
            try await sessions.markUsed(tenantID, tokenID: stored.id, on: connection, logger: logger)
            try await sessions.storeToken(tenantID, sessionID: stored.sessionID, token: next, on: connection, logger: logger)
            return .rotated(user: user, sessionID: stored.sessionID, token: next)
        }
        // The transaction has committed, so a revocation for reuse sticks even though we refuse.
        switch outcome {
        case .rejected(let error): throw error
        case .rotated(let user, let sessionID, let next): return try await pair(for: user, sessionID: sessionID, refreshToken: next)
        }
    }

    /// Revokes the session the refresh token belongs to. Unknown or malformed tokens
    /// are ignored so that logout is idempotent and reveals nothing.
    public func logout(_ presented: String, logger: Logger) async throws {
        guard let token = RefreshToken(presented: presented) else { return }
        try await database.withTenant(token.tenantID, logger: logger) { connection in
            guard let stored = try await sessions.lockToken(token.tenantID, hash: token.hash, on: connection, logger: logger) else {
                return
            }
            try await sessions.revoke(token.tenantID, sessionID: stored.sessionID, reason: "logout", on: connection, logger: logger)
        }
    }

    private func pair(for user: User, sessionID: UUID, refreshToken: RefreshToken) async throws -> TokenPair {
        TokenPair(
            accessToken: try await signer.sign(user: user, sessionID: sessionID),
            refreshToken: refreshToken.value,
            expiresIn: Int(signer.lifetime.components.seconds),
            user: user
        )
    }
}

private enum RefreshOutcome: Sendable {
    case rejected(AccountsError)
    case rotated(user: User, sessionID: UUID, token: RefreshToken)
}
