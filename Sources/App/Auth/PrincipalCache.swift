import Accounts
import Foundation
import Logging
import Persistence

/// Remembers, for a few seconds, whether a session's user and tenant are still active.
///
/// Access tokens live 15 minutes, but a disabled user, a suspended tenant or a revoked
/// session must stop working within seconds: each authenticated request checks the live
/// state, and this cache keeps that to one query per session per `lifetime`.
public final class PrincipalCache: Sendable {
    /// Everything the database check binds together: a cached answer for one session
    /// must not vouch for a token naming another tenant or user with the same session id.
    private struct Key: Hashable, Sendable {
        let sessionID: UUID
        let tenantID: UUID
        let userID: UUID
    }

    /// What the check found (nil: no such live session), kept like any answer.
    private struct Checked: Sendable {
        let state: PrincipalState?
    }

    private let database: Database
    private let sessions = SessionStore()
    /// A busy session is checked again in the background before its answer expires, so
    /// its requests do not wait for the check (see `RefreshingCache`).
    private let cache: RefreshingCache<Key, Checked>

    public init(database: Database, lifetime: Duration = .seconds(2)) {
        self.database = database
        cache = RefreshingCache(lifetime: lifetime, limit: 100_000)
    }

    /// Forgets what this node cached for `userID`, after a change made here; other
    /// nodes pick the change up when their entries expire.
    func invalidate(userID: UUID) {
        cache.invalidate { $0.state?.user.id == userID }
    }

    /// The live state behind `claims`, from cache when fresh.
    func state(for claims: AccessTokenClaims, userID: UUID, logger: Logger) async throws -> PrincipalState? {
        let key = Key(sessionID: claims.sid, tenantID: claims.tid, userID: userID)
        return try await cache.value(for: key) { [database, sessions] in
            Checked(
                state: try await database.withTenant(claims.tid, logger: logger) { connection in
                    try await sessions.principalState(claims.tid, userID: userID, sessionID: claims.sid, on: connection, logger: logger)
                })
        }?.state
    }
}
