import Foundation
import Logging
import Persistence
import PostgresNIO

/// Login sessions (refresh-token families) and their rotated refresh tokens.
public struct SessionStore: Sendable {
    public init() {}

    /// Opens a session for `userID` and stores its first refresh token.
    public func open(
        _ tenantID: UUID, userID: UUID, token: RefreshToken,
        on connection: PooledConnection, logger: Logger
    ) async throws -> UUID {
        let rows = try await connection.query(
            "INSERT INTO sessions (tenant_id, user_id) VALUES (\(tenantID), \(userID)) RETURNING id",
            logger: logger
        )
        var sessionID: UUID?
        for try await id in rows.decode(UUID.self) { sessionID = id }
        guard let sessionID else { throw AccountsError.invalidRefreshToken }
        try await storeToken(tenantID, sessionID: sessionID, token: token, on: connection, logger: logger)
        return sessionID
    }

    public func storeToken(
        _ tenantID: UUID, sessionID: UUID, token: RefreshToken,
        on connection: PooledConnection, logger: Logger
    ) async throws {
        let expiresAt = Date().addingTimeInterval(RefreshToken.lifetime)
        try await connection.query(
            """
            INSERT INTO refresh_tokens (tenant_id, session_id, token_hash, expires_at)
            VALUES (\(tenantID), \(sessionID), \(token.hash), \(expiresAt))
            """,
            logger: logger
        )
    }

    /// The stored state of a presented refresh token, locked for rotation.
    public func lockToken(
        _ tenantID: UUID, hash: Data, on connection: PooledConnection, logger: Logger
    ) async throws -> StoredRefreshToken? {
        let rows = try await connection.query(
            """
            SELECT rt.id, rt.session_id, s.user_id, rt.expires_at, rt.used_at IS NOT NULL, s.revoked_at IS NOT NULL
            FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id AND s.tenant_id = rt.tenant_id
            WHERE rt.tenant_id = \(tenantID) AND rt.token_hash = \(hash)
            FOR UPDATE OF rt, s
            """,
            logger: logger
        )
        for try await (id, sessionID, userID, expiresAt, used, revoked) in rows.decode(
            (UUID, UUID, UUID, Date, Bool, Bool).self
        ) {
            return StoredRefreshToken(
                id: id, sessionID: sessionID, userID: userID, expiresAt: expiresAt, isUsed: used, isSessionRevoked: revoked
            )
        }
        return nil
    }

    public func markUsed(_ tenantID: UUID, tokenID: UUID, on connection: PooledConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE refresh_tokens SET used_at = now() WHERE tenant_id = \(tenantID) AND id = \(tokenID)",
            logger: logger
        )
    }

    /// Ends a session: its refresh tokens and access tokens stop working.
    public func revoke(
        _ tenantID: UUID, sessionID: UUID, reason: String,
        on connection: PooledConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            UPDATE sessions SET revoked_at = now(), revoked_reason = \(reason)
            WHERE tenant_id = \(tenantID) AND id = \(sessionID) AND revoked_at IS NULL
            """,
            logger: logger
        )
    }

    /// Ends every open session of a user (used when a user is disabled).
    public func revokeAll(
        _ tenantID: UUID, userID: UUID, reason: String,
        on connection: PooledConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            UPDATE sessions SET revoked_at = now(), revoked_reason = \(reason)
            WHERE tenant_id = \(tenantID) AND user_id = \(userID) AND revoked_at IS NULL
            """,
            logger: logger
        )
    }

    /// The live state behind an access token: the user as stored now (role, status,
    /// profile), the tenant's status and whether the session is still open.
    public func principalState(
        _ tenantID: UUID, userID: UUID, sessionID: UUID,
        on connection: PooledConnection, logger: Logger
    ) async throws -> PrincipalState? {
        let statement = LoadPrincipalState(tenantID: tenantID, userID: userID, sessionID: sessionID)
        var state: PrincipalState?
        for row in try await connection.execute(statement, logger: logger) { state = row }
        return state
    }
}

/// A refresh token row joined with its session.
public struct StoredRefreshToken: Sendable {
    public let id: UUID
    public let sessionID: UUID
    public let userID: UUID
    public let expiresAt: Date
    public let isUsed: Bool
    public let isSessionRevoked: Bool
}

/// Whether an access token's holder may still act, and as whom.
public struct PrincipalState: Sendable, Equatable {
    /// The user as stored when the state was read.
    public let user: User
    public let isTenantActive: Bool
    public let isSessionOpen: Bool

    public var role: Role { user.role }
    public var isValid: Bool { user.status == .active && isTenantActive && isSessionOpen }
}
