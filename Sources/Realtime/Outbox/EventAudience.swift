import Accounts
import Foundation

/// Who receives an event, always within the event's tenant.
public struct EventAudience: Sendable, Equatable {
    public var userIDs: [UUID]
    public var roles: [Role]

    public init(userIDs: [UUID] = [], roles: [Role] = []) {
        self.userIDs = userIDs
        self.roles = roles
    }

    public static func user(_ id: UUID) -> EventAudience { EventAudience(userIDs: [id]) }
    public static func users(_ ids: [UUID]) -> EventAudience { EventAudience(userIDs: ids) }
    /// Owners, admins and agents.
    public static let staff = EventAudience(roles: [.owner, .admin, .agent])
    public static func role(_ role: Role) -> EventAudience { EventAudience(roles: [role]) }

    /// Whether a user with `userID` and `role` hears the event.
    public func includes(userID: UUID, role: Role) -> Bool {
        userIDs.contains(userID) || roles.contains(role)
    }
}
