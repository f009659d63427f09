import Foundation
import JWTKit

/// Signs and verifies HS256 access tokens with the server's JWT secret.
public struct AccessTokenSigner: Sendable {
    public let lifetime: Duration
    private let keys: JWTKeyCollection

    public init(secret: [UInt8], lifetime: Duration = .seconds(15 * 60)) async {
        self.lifetime = lifetime
        self.keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: .init(data: secret)), digestAlgorithm: .sha256)
    }

    /// A new access token for `user` in session `sessionID`.
    public func sign(user: User, sessionID: UUID, now: Date = Date()) async throws -> String {
        let claims = AccessTokenClaims(
            sub: .init(value: user.id.uuidString),
            tid: user.tenantID,
            role: user.role,
            sid: sessionID,
            iss: .init(value: AccessTokenClaims.issuer),
            iat: .init(value: now),
            exp: .init(value: now.addingTimeInterval(TimeInterval(lifetime.components.seconds))),
            jti: .init(value: UUID().uuidString)
        )
        return try await keys.sign(claims)
    }

    /// The claims of a valid, unexpired token; nil for anything forged, expired or malformed.
    public func verify(_ token: String) async -> AccessTokenClaims? {
        try? await keys.verify(token, as: AccessTokenClaims.self)
    }
}
