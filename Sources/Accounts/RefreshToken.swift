import Crypto
import Foundation

/// An opaque refresh token: `<tenant id>.<32 random bytes, base64url>`.
///
/// The tenant prefix lets the server look the token up inside that tenant's scope;
/// only the SHA-256 of the whole token is stored.
public struct RefreshToken: Sendable, Equatable {
    public let tenantID: UUID
    public let value: String

    public static let lifetime: TimeInterval = 30 * 24 * 3600

    /// A fresh random token for `tenantID`.
    public static func generate(tenantID: UUID) -> RefreshToken {
        let random = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return RefreshToken(tenantID: tenantID, value: "\(tenantID.uuidString.lowercased()).\(random.base64URLEncoded())")
    }

    /// Parses a presented token; nil when it cannot be one of ours.
    public init?(presented value: String) {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard value.utf8.count <= 128, parts.count == 2, let tenantID = UUID(uuidString: String(parts[0])),
            parts[1].utf8.count == 43
        else { return nil }
        self.init(tenantID: tenantID, value: value)
    }

    private init(tenantID: UUID, value: String) {
        self.tenantID = tenantID
        self.value = value
    }

    /// What the database stores and looks up.
    public var hash: Data { Data(SHA256.hash(data: Data(value.utf8))) }
}
