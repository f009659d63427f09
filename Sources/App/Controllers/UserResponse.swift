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

extension UserResponse: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("id", id)
        writer.field("tenantId", tenantId)
        writer.field("email", email)
        writer.field("name", name)
        writer.field("phone", phone)
        writer.field("role", role.rawValue)
        writer.field("status", status.rawValue)
        writer.field("createdAt", createdAt)
        writer.field("updatedAt", updatedAt)
        writer.endObject()
    }

    /// Written by `JSONWriter` rather than JSONEncoder: `/v1/me` is the hottest route.
    func response(from request: Request, context: some RequestContext) throws -> Response {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.response()
    }
}
