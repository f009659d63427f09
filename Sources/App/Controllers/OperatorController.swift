import Accounts
import Foundation
import Hummingbird

/// The platform operator's tenant administration, behind `SWITCHBOARD_OPERATOR_TOKEN`.
///
/// - `POST /v1/operator/tenants`: operator
/// - `GET /v1/operator/tenants`: operator (cursor pagination by slug)
/// - `PATCH /v1/operator/tenants/{id}`: operator (rename, suspend, resume)
struct OperatorController: Sendable {
    let tenants: TenantAdministration
    let operatorToken: String

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.add(middleware: OperatorTokenMiddleware(expected: operatorToken))
        group.post(use: create)
        group.get(use: list)
        group.patch("{id}", use: update)
    }

    struct TenantResponse: ResponseEncodable, Sendable {
        let id: UUID
        let slug: String
        let name: String
        let status: TenantStatus
        let createdAt: Date
        let updatedAt: Date

        init(_ tenant: Tenant) {
            id = tenant.id
            slug = tenant.slug
            name = tenant.name
            status = tenant.status
            createdAt = tenant.createdAt
            updatedAt = tenant.updatedAt
        }
    }

    struct CreatedTenant: ResponseEncodable, Sendable {
        let tenant: TenantResponse
        let owner: UserResponse
    }

    struct CreateRequest: Decodable {
        struct Owner: Decodable {
            let email: String
            let name: String
            let password: String
        }
        let slug: String
        let name: String
        let owner: Owner
    }

    struct UpdateRequest: Decodable {
        let name: String?
        let status: String?
    }

    func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<CreatedTenant> {
        let body = try await request.decodeJSON(as: CreateRequest.self, context: context)
        var validator = FieldValidator()
        let slug = validator.check { try FieldRules.slug(body.slug, pointer: "/slug") }
        let name = validator.check { try FieldRules.name(body.name, pointer: "/name") }
        let email = validator.check { try FieldRules.email(body.owner.email, pointer: "/owner/email") }
        let ownerName = validator.check { try FieldRules.name(body.owner.name, pointer: "/owner/name") }
        _ = validator.check { try PasswordHasher.validate(body.owner.password, pointer: "/owner/password") }
        try validator.finish()
        let created = try await tenants.create(
            slug: slug!, name: name!, owner: NewUser(email: email!, name: ownerName!, role: .owner),
            ownerPassword: body.owner.password, requestID: context.id, logger: context.logger
        )
        return EditedResponse(
            status: .created, headers: [.location: "/v1/operator/tenants/\(created.tenant.id.uuidString)"],
            response: CreatedTenant(tenant: TenantResponse(created.tenant), owner: UserResponse(created.owner))
        )
    }

    func list(_ request: Request, context: AppRequestContext) async throws -> Page<TenantResponse> {
        let page = try PageRequest(request)
        let rows = try await tenants.list(afterSlug: page.cursor, limit: page.limit + 1, logger: context.logger)
        let shown = rows.prefix(page.limit)
        let next = rows.count > page.limit ? shown.last.map { PageRequest.encodeCursor($0.slug) } : nil
        return Page(items: shown.map(TenantResponse.init), nextCursor: next)
    }

    func update(_ request: Request, context: AppRequestContext) async throws -> TenantResponse {
        let id = try context.pathID()
        let body = try await request.decodeJSON(as: UpdateRequest.self, context: context)
        var validator = FieldValidator()
        let name = body.name.flatMap { name in validator.check { try FieldRules.name(name, pointer: "/name") } }
        let status = body.status.flatMap(TenantStatus.init(rawValue:))
        if body.status != nil, status == nil { validator.fail("/status", "must be active or suspended") }
        if body.name == nil, body.status == nil { validator.fail("", "must change name or status") }
        try validator.finish()
        return TenantResponse(try await tenants.update(id, name: name, status: status, requestID: context.id, logger: context.logger))
    }
}

/// Admits requests bearing the operator token, compared in constant time.
struct OperatorTokenMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let expected: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let presented = AccessTokenAuthenticator.bearerToken(in: request) else {
            throw AppError.unauthorized("Send the operator token as `Authorization: Bearer <token>`.", error: "invalid_request")
        }
        guard ConstantTime.equals(presented, expected) else { throw AppError.unauthorized("The operator token is not valid.") }
        return try await next(request, context)
    }
}
