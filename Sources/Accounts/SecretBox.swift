import Crypto
import Foundation

/// Seals tenant secrets with AES-GCM under the master key.
///
/// The tenant id and secret name are bound in as authenticated data, so a ciphertext
/// copied to another tenant or another setting fails to open.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    /// `masterKey` must be 32 bytes.
    public init(masterKey: [UInt8]) {
        precondition(masterKey.count == 32, "the master key must be 32 bytes")
        self.key = SymmetricKey(data: masterKey)
    }

    public func seal(_ plaintext: String, tenantID: UUID, name: String) throws -> [UInt8] {
        let sealed = try AES.GCM.seal(Data(plaintext.utf8), using: key, authenticating: Self.context(tenantID, name))
        guard let combined = sealed.combined else { throw CryptoKitError.incorrectParameterSize }
        return Array(combined)
    }

    public func open(_ ciphertext: [UInt8], tenantID: UUID, name: String) throws -> String {
        let box = try AES.GCM.SealedBox(combined: ciphertext)
        let plaintext = try AES.GCM.open(box, using: key, authenticating: Self.context(tenantID, name))
        return String(decoding: plaintext, as: UTF8.self)
    }

    private static func context(_ tenantID: UUID, _ name: String) -> Data {
        Data("\(tenantID.uuidString.lowercased())/\(name)".utf8)
    }
}
