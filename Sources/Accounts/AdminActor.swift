import Foundation

/// The owner or admin making a change, with the request id that goes into the audit log.
public struct AdminActor: Sendable {
    public let userID: UUID
    public let tenantID: UUID
    public let role: Role
    public let requestID: String?

    public init(userID: UUID, tenantID: UUID, role: Role, requestID: String?) {
        self.userID = userID
        self.tenantID = tenantID
        self.role = role
        self.requestID = requestID
    }
}
