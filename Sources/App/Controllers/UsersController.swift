import Accounts
import Foundation
import Hummingbird

/// The tenant's users, for its administrators.
///
/// - `GET /v1/users`: owner, admin (filters `role`, `status`, `q`; cursor pagination)
/// - `POST /v1/users`: owner, admin (only owners create owners)
/// - `GET /v1/users/{id}`: owner, admin
/// - `PATCH /v1/users/{id}`: owner, admin (only owners change owners; the last owner stays)
/// - `DELETE /v1/users/{id}`: owner, admin (disables; history stays)
struct UsersController: Sendable {
    let users: UserAdministration
    let principals: PrincipalCache

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(use: list)
        group.post(use: create)
        group.get("{id}", use: get)
        group.patch("{id}", use: update)
        group.delete("{id}", use: delete)
    }

    func list(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let page = try PageRequest(request)
        let query = request.uri.queryParameters
        var validator = FieldValidator()
        var filter = UserFilter()
        if let role = query["role"] {
            filter.role = Role(rawValue: String(role))
            if filter.role == nil {
                validator.fail("/query/role", "must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let status = query["status"] {
            filter.status = UserStatus(rawValue: String(status))
            if filter.status == nil { validator.fail("/query/status", "must be active or disabled") }
        }
        if let search = query["q"], !search.isEmpty {
            if search.count > 200 { validator.fail("/query/q", "must be at most 200 characters") }
            filter.search = String(search)
        }
        let after = page.cursor.map { Int64($0) }
        if case .some(.none) = after { validator.fail("/query/cursor", "is not a cursor this server issued") }
        try validator.finish()

        let rows = try await users.list(
            context.tenantID, filter: filter, after: after ?? nil, limit: page.limit + 1, logger: context.logger)
        let shown = rows.prefix(page.limit)
        // One row more than asked tells whether another page exists without a count query.
        let nextCursor = rows.count > page.limit ? shown.last.map { PageRequest.encodeCursor(String($0.sequence)) } : nil
        return Page(items: shown.map { UserResponse($0.user) }, nextCursor: nextCursor).writtenResponse()
    }

    func create(_ request: Request, context: TenantRequestContext) async throws -> EditedResponse<UserResponse> {
        let body = try await request.decodeJSON(as: CreateUserRequest.self, context: context)
        let (new, password) = try body.validated()
        let user = try await users.create(new, password: password, by: context.adminActor, logger: context.logger)
        return EditedResponse(status: .created, headers: [.location: "/v1/users/\(user.id.uuidString)"], response: UserResponse(user))
    }

    func get(_ request: Request, context: TenantRequestContext) async throws -> UserResponse {
        UserResponse(try await users.get(context.tenantID, id: try context.pathID(), logger: context.logger))
    }

    func update(_ request: Request, context: TenantRequestContext) async throws -> UserResponse {
        let id = try context.pathID()
        let body = try await request.decodeJSON(as: UpdateUserRequest.self, context: context)
        let changes = try body.validated()
        let updated = try await users.update(id, changes: changes, by: context.adminActor, logger: context.logger)
        principals.invalidate(userID: id)
        return UserResponse(updated)
    }

    func delete(_ request: Request, context: TenantRequestContext) async throws -> UserResponse {
        let id = try context.pathID()
        let disabled = try await users.disable(id, by: context.adminActor, logger: context.logger)
        principals.invalidate(userID: id)
        return UserResponse(disabled)
    }
}

extension TenantRequestContext {
    /// The principal as the actor of an administrative change.
    var adminActor: AdminActor {
        AdminActor(userID: principal.userID, tenantID: principal.tenantID, role: principal.role, requestID: id)
    }
}
