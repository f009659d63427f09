import Foundation
import JWTKit

/// The claims of a Switchboard access token.
public struct AccessTokenClaims: JWTPayload, Equatable {
    /// The user's id.
    public var sub: SubjectClaim
    /// The user's tenant id.
    public var tid: UUID
    /// The user's role when the token was issued (the live role is re-read within seconds).
    public var role: Role
    /// The session (refresh-token family) the token belongs to.
    public var sid: UUID
    public var iss: IssuerClaim
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim
    /// A unique token id.
    public var jti: IDClaim

    public static let issuer = "switchboard"

    public init(
        sub: SubjectClaim, tid: UUID, role: Role, sid: UUID, iss: IssuerClaim,
        iat: IssuedAtClaim, exp: ExpirationClaim, jti: IDClaim
    ) {
        self.sub = sub
        self.tid = tid
        self.role = role
        self.sid = sid
        self.iss = iss
        self.iat = iat
        self.exp = exp
        self.jti = jti
    }

    public var userID: UUID? { UUID(uuidString: sub.value) }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard iss.value == Self.issuer else {
            throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "unexpected issuer")
        }
    }
}
