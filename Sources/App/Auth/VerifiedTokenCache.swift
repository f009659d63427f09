import Accounts
import Foundation
import Synchronization

/// Remembers the claims of access tokens whose signature already checked out.
///
/// Clients send the same token for its whole 15 minutes; verifying it each time
/// (base64, JSON decoding, HMAC, and a hop onto JWTKit's key-collection actor) was
/// most of `/v1/me`'s cost. The key is the whole token text, signature included,
/// so only a byte-identical token hits; expiry is checked on every hit. The
/// session's live state is still checked through `PrincipalCache`.
final class VerifiedTokenCache: Sendable {
    private let claims = Mutex<[String: AccessTokenClaims]>([:])
    private let maximumEntries: Int

    init(maximumEntries: Int = 50_000) {
        self.maximumEntries = maximumEntries
    }

    /// The cached claims of `token`, if verified before and not yet expired.
    func claims(for token: String, now: Date = Date()) -> AccessTokenClaims? {
        guard let cached = claims.withLock({ $0[token] }), cached.exp.value > now else { return nil }
        return cached
    }

    func remember(_ token: String, claims verified: AccessTokenClaims, now: Date = Date()) {
        claims.withLock { claims in
            if claims.count >= maximumEntries {
                claims = claims.filter { $0.value.exp.value > now }
                if claims.count >= maximumEntries { claims.removeAll(keepingCapacity: true) }
            }
            claims[token] = verified
        }
    }
}
