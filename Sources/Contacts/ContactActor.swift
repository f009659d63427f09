import Accounts
import Foundation

/// Who is acting on contacts: a signed-in staff member.
public struct ContactActor: Sendable {
    public let tenantID: UUID
    public let userID: UUID
    public let role: Role

    public init(tenantID: UUID, userID: UUID, role: Role) {
        self.tenantID = tenantID
        self.userID = userID
        self.role = role
    }

    public var isAdministrator: Bool { role == .owner || role == .admin }

    /// The owner this actor is limited to under the tenant's settings, or nil when
    /// they see every contact.
    func visibleOwner(_ settings: ContactSettings) -> UUID? {
        role == .agent && settings.agentsSeeOnlyOwn ? userID : nil
    }
}
