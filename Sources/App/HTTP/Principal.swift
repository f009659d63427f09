import Accounts
import Foundation

/// The signed-in user a request acts as.
public struct Principal: Sendable, Equatable {
    public let userID: UUID
    public let tenantID: UUID
    /// The live role (re-read from the database within seconds of a change).
    public let role: Role
    public let sessionID: UUID
    /// The user as read at most `PrincipalCache`'s lifetime ago.
    public let user: User
}
