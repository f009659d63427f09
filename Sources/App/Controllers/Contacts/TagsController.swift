import Contacts
import Foundation
import Hummingbird

/// The tenant's tag catalogue (staff).
///
/// - `GET /v1/tags`: every tag with how many live contacts carry it.
/// - `POST /v1/tags {name, color?}`: 201 when new, 200 when it existed (colour updated).
/// - `DELETE /v1/tags/{name}`: removes the tag from the catalogue and from every contact.
struct TagsController: Sendable {
    let contacts: ContactService

    struct TagResponse: ResponseEncodable, Sendable {
        let name: String
        let color: String?
        let contactCount: Int
        let createdAt: Date
    }

    struct SaveTagRequest: Decodable {
        let name: String
        let color: String?
    }

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(use: list)
        group.post(use: save)
        group.delete("{name}", use: delete)
    }

    func list(_ request: Request, context: TenantRequestContext) async throws -> ItemList<TagResponse> {
        let tags = try await contacts.tags(by: context.contactActor, logger: context.logger)
        return ItemList(items: tags.map { TagResponse(name: $0.name, color: $0.color, contactCount: $0.contactCount, createdAt: $0.createdAt) })
    }

    func save(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: SaveTagRequest.self, context: context)
        var validator = FieldValidator()
        let name = ContactFieldRules.tag(body.name, pointer: "/name", &validator)
        if let color = body.color, color.count != 7 || !color.hasPrefix("#") || !color.dropFirst().allSatisfy(\.isHexDigit) {
            validator.fail("/color", "must be a colour like #1a2b3c")
        }
        try validator.finish()
        let created = try await contacts.saveTag(name: name ?? "", color: body.color, by: context.contactActor, logger: context.logger)
        guard let tag = try await contacts.tags(by: context.contactActor, logger: context.logger).first(where: { $0.name == name }) else {
            throw AppError.notFound("No such tag.")  // deleted again in between
        }
        var response = try TagResponse(name: tag.name, color: tag.color, contactCount: tag.contactCount, createdAt: tag.createdAt)
            .response(from: request, context: context)
        response.status = created ? .created : .ok
        return response
    }

    func delete(_ request: Request, context: TenantRequestContext) async throws -> Response {
        // No tag has a NUL in its name (and PostgreSQL could not compare one).
        guard let name = context.parameters.get("name")?.removingPercentEncoding, !NulCharacters.contains(name) else {
            throw AppError.notFound("No such tag.")
        }
        do {
            try await contacts.deleteTag(name: name, by: context.contactActor, logger: context.logger)
        } catch ContactError.notFound {
            throw AppError.notFound("No such tag.")
        }
        return Response(status: .noContent)
    }
}
