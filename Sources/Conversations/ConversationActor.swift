import Accounts
import Foundation

/// Who is acting on conversations: a staff member or a portal customer.
public struct ConversationActor: Sendable {
    public let tenantID: UUID
    public let userID: UUID
    public let role: Role

    public init(tenantID: UUID, userID: UUID, role: Role) {
        self.tenantID = tenantID
        self.userID = userID
        self.role = role
    }

    public var isCustomer: Bool { role == .customer }
}
