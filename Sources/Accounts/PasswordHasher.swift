import HummingbirdBcrypt
import NIOPosix

/// Hashes and checks passwords with bcrypt on NIO's thread pool, never on an event loop.
public struct PasswordHasher: Sendable {
    /// bcrypt cost; production uses 12, tests lower it to stay fast.
    public let cost: UInt8
    /// A real hash of a random password, checked when no user matched so that a
    /// missing account takes as long to reject as a wrong password.
    private let decoyHash: String

    public init(cost: UInt8 = 12) {
        self.cost = cost
        self.decoyHash = Bcrypt.hash("decoy-\(UInt64.random(in: 0...UInt64.max))", cost: cost)
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, against hash: String?) async throws -> Bool {
        let hash = hash ?? decoyHash
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
        return matches
    }

    /// Password rules shared by every way of setting one.
    public static func validate(_ password: String, pointer: String) throws {
        guard password.count >= 10 else {
            throw AccountsError.invalid(pointer: pointer, reason: "must be at least 10 characters")
        }
        guard password.utf8.count <= 72 else {
            // bcrypt ignores bytes past 72; refuse rather than silently truncate.
            throw AccountsError.invalid(pointer: pointer, reason: "must be at most 72 bytes")
        }
    }
}
