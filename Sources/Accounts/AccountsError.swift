import Foundation

/// Account and tenant failures, each of which the HTTP layer maps to one problem type.
public enum AccountsError: Error, Sendable, Equatable {
    /// Wrong tenant, email or password: deliberately one answer for all three.
    case invalidCredentials
    case userDisabled
    case tenantSuspended
    /// A refresh token that is unknown, expired, or from a revoked session.
    case invalidRefreshToken
    /// A refresh token presented a second time: its whole session was revoked.
    case refreshTokenReused
    /// The access token's session or user is no longer valid.
    case sessionRevoked
    case userNotFound
    case tenantNotFound
    case emailTaken
    case slugTaken
    /// Only owners may create, promote or change owners.
    case ownerRequired
    /// The change would leave the tenant without an active owner.
    case lastOwner
    /// A rule about the request's content, with the JSON pointer it concerns.
    case invalid(pointer: String, reason: String)
}
