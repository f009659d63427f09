import Accounts
import Foundation
import Logging
import Persistence
import Synchronization

/// Remembers, for a few seconds, whether a session's user and tenant are still active.
///
/// Access tokens live 15 minutes, but a disabled user, a suspended tenant or a revoked
/// session must stop working within seconds: each authenticated request checks the live
/// state, and this cache keeps that to one query per session per `lifetime`.
public final class PrincipalCache: Sendable {
    private struct Entry {
        let state: PrincipalState?
        let fetchedAt: ContinuousClock.Instant
    }

    private let database: Database
    private let sessions = SessionStore()
    private let lifetime: Duration
    /// Everything the database check binds together: a cached answer for one session
    /// must not vouch for a token naming another tenant or user with the same session id.
    private struct Key: Hashable {
        let sessionID: UUID
        let tenantID: UUID
        let userID: UUID
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private static let maximumEntries = 100_000

    public init(database: Database, lifetime: Duration = .seconds(2)) {
        self.database = database
        self.lifetime = lifetime
    }

    /// Forgets what this node cached for `userID`, after a change made here; other
    /// nodes pick the change up when their entries expire.
    func invalidate(userID: UUID) {
        entries.withLock { entries in
            entries = entries.filter { $0.value.state?.user.id != userID }
        }
    }

    /// The live state behind `claims`, from cache when fresh.
    func state(for claims: AccessTokenClaims, userID: UUID, logger: Logger) async throws -> PrincipalState? {
        let now = ContinuousClock.now
        let key = Key(sessionID: claims.sid, tenantID: claims.tid, userID: userID)
        if let entry = entries.withLock({ $0[key] }), now - entry.fetchedAt < lifetime {
            return entry.state
        }
        let state = try await database.withTenant(claims.tid, logger: logger) { connection in
            try await sessions.principalState(claims.tid, userID: userID, sessionID: claims.sid, on: connection, logger: logger)
        }
        entries.withLock { entries in
            if entries.count >= Self.maximumEntries {
                entries = entries.filter { now - $0.value.fetchedAt < lifetime }
            }
            entries[key] = Entry(state: state, fetchedAt: now)
        }
        return state
    }
}
