import Accounts
import Contacts
import Foundation
import Hummingbird

/// CRM contacts (staff only; customers have no access).
///
/// - `GET /v1/contacts` (filters `stage`, `temperature`, `tag`, `owner` (id, `me`,
///   `none`), `source`, `createdFrom`, `createdTo`, `q`; `sort`; `deleted=true` for
///   administrators), `POST /v1/contacts`.
/// - `GET|PATCH|DELETE /v1/contacts/{id}` (delete is soft), `POST /v1/contacts/{id}/restore` (administrators).
/// - `GET|POST /v1/contacts/{id}/notes`, `GET /v1/contacts/{id}/timeline`.
/// - `POST /v1/contacts/bulk`, `GET /v1/contacts/export` (CSV).
struct ContactsController: Sendable {
    let contacts: ContactService

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(use: list)
        group.post(use: create)
        group.get("export", use: export)
        group.post("bulk", use: bulk)
        group.get("{id}", use: get)
        group.patch("{id}", use: update)
        group.delete("{id}", use: delete)
        group.get("{id}/notes", use: notes)
        group.post("{id}/notes", use: addNote)
        group.get("{id}/timeline", use: timeline)
    }

    func addAdministratorRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.post("{id}/restore", use: restore)
    }

    func list(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let page = try PageRequest(request)
        let (filter, sort) = try ContactListQuery.parse(request, role: context.principal.role, userID: context.principal.userID)
        var cursor: ContactCursor?
        if let text = page.cursor {
            cursor = ContactCursor(text: text, sort: sort)
            if cursor == nil { throw AppError.validation(pointer: "/query/cursor", "is not a cursor this server issued for this sort") }
        }
        let rows = try await mapped {
            try await contacts.list(filter, sort: sort, after: cursor, limit: page.limit + 1, by: context.contactActor, logger: context.logger)
        }
        let shown = rows.prefix(page.limit)
        let next = rows.count > page.limit ? shown.last.map { PageRequest.encodeCursor(ContactCursor(after: $0, sort: sort).text) } : nil
        return Page(items: shown.map(ContactResponse.init), nextCursor: next).writtenResponse()
    }

    func create(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let (body, object) = try await request.decodeJSONObject(as: CreateContactRequest.self, context: context)
        let draft = try body.validated(customFields: object)
        let contact = try await mapped { try await contacts.create(draft, by: context.contactActor, logger: context.logger) }
        return ContactResponse(contact: contact).response(status: .created, headers: [.location: "/v1/contacts/\(contact.id.uuidString)"])
    }

    func get(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let id = try context.pathID()
        let deleted = request.uri.queryParameters["deleted"] == "true" && context.contactActor.isAdministrator
        let contact = try await mapped { try await contacts.get(id, deleted: deleted, by: context.contactActor, logger: context.logger) }
        return ContactResponse(contact: contact).response()
    }

    func update(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let id = try context.pathID()
        let (body, object) = try await request.decodeJSONObject(as: UpdateContactRequest.self, context: context)
        let changes = try body.validated(customFields: object)
        let contact = try await mapped { try await contacts.update(id, changes, by: context.contactActor, logger: context.logger) }
        return ContactResponse(contact: contact).response()
    }

    func delete(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let id = try context.pathID()
        try await mapped { try await contacts.delete(id, by: context.contactActor, logger: context.logger) }
        return Response(status: .noContent)
    }

    func restore(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let id = try context.pathID()
        let contact = try await mapped { try await contacts.restore(id, by: context.contactActor, logger: context.logger) }
        return ContactResponse(contact: contact).response()
    }

    func bulk(_ request: Request, context: TenantRequestContext) async throws -> BulkResult {
        let (action, ids) = try await request.decodeJSON(as: BulkContactsRequest.self, context: context).validated()
        let changed = try await mapped { try await contacts.bulk(action, ids: ids, by: context.contactActor, logger: context.logger) }
        return BulkResult(changed: changed)
    }

    /// Runs `body`, turning contact errors into problems.
    func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ContactError {
            throw AppError(error)
        }
    }
}

/// `POST /v1/contacts/bulk` answer.
struct BulkResult: ResponseEncodable, Sendable {
    let changed: Int
}

extension TenantRequestContext {
    var contactActor: ContactActor {
        ContactActor(tenantID: principal.tenantID, userID: principal.userID, role: principal.role)
    }
}
