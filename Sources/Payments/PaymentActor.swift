import Accounts
import Foundation

/// Who is acting on payments: staff, or a portal customer paying.
public struct PaymentActor: Sendable {
    public let tenantID: UUID
    public let userID: UUID
    public let role: Role

    public init(tenantID: UUID, userID: UUID, role: Role) {
        self.tenantID = tenantID
        self.userID = userID
        self.role = role
    }

    public var isCustomer: Bool { role == .customer }
    public var isAdministrator: Bool { role == .owner || role == .admin }
}
