import Accounts
import Foundation
import Hummingbird

/// A user as the API shows it.
struct UserResponse: ResponseEncodable, Sendable {
    let id: UUID
    let tenantId: UUID
    let email: String
    let name: String
    let phone: String?
    let role: Role
    let status: UserStatus
    let createdAt: Date
    let updatedAt: Date

    init(_ user: User) {
        id = user.id
        tenantId = user.tenantID
        email = user.email
        name = user.name
        phone = user.phone
        role = user.role
        status = user.status
        createdAt = user.createdAt
        updatedAt = user.updatedAt
    }
}
