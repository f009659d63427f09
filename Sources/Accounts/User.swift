import Foundation

/// A person who signs in to one tenant. The password hash never leaves the store.
public struct User: Sendable, Equatable {
    public let id: UUID
    public let tenantID: UUID
    public var email: String
    public var name: String
    public var phone: String?
    public var role: Role
    public var status: UserStatus
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, tenantID: UUID, email: String, name: String, phone: String?,
        role: Role, status: UserStatus, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.tenantID = tenantID
        self.email = email
        self.name = name
        self.phone = phone
        self.role = role
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
