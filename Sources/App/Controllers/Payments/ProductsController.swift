import Foundation
import Hummingbird
import Payments

/// The tenant's product catalogue.
///
/// - `GET /v1/products`, `GET /v1/products/{id}`: everyone (customers see active products only).
/// - `POST /v1/products`, `PATCH /v1/products/{id}`: owners and admins.
struct ProductsController: Sendable {
    let catalog: ProductCatalog

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(use: list)
        group.get("{id}", use: get)
    }

    func addAdministratorRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.post(use: create)
        group.patch("{id}", use: update)
    }

    func list(_ request: Request, context: TenantRequestContext) async throws -> Page<ProductResponse> {
        let page = try PageRequest(request)
        var after: (Date, UUID)?
        if let cursor = page.cursor {
            let parts = cursor.split(separator: "|")
            guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
                throw AppError.validation(pointer: "/query/cursor", "is not a cursor this server issued")
            }
            after = (Date(timeIntervalSince1970: Double(micros) / 1_000_000), id)
        }
        let staff = context.principal.role != .customer
        let rows = try await catalog.list(context.tenantID, includeInactive: staff, after: after, limit: page.limit + 1, logger: context.logger)
        let shown = rows.prefix(page.limit)
        let next =
            rows.count > page.limit
            ? shown.last.map {
                PageRequest.encodeCursor("\(Int64(($0.createdAt.timeIntervalSince1970 * 1_000_000).rounded()))|\($0.id.uuidString)")
            } : nil
        return Page(items: shown.map(ProductResponse.init), nextCursor: next)
    }

    func get(_ request: Request, context: TenantRequestContext) async throws -> ProductResponse {
        let id = try context.pathID()
        let staff = context.principal.role != .customer
        return ProductResponse(
            try await mapped { try await catalog.get(context.tenantID, id: id, includeInactive: staff, logger: context.logger) })
    }

    func create(_ request: Request, context: TenantRequestContext) async throws -> EditedResponse<ProductResponse> {
        let fields = try await request.decodeJSON(as: CreateProductRequest.self, context: context).validated()
        let product = try await catalog.create(
            context.tenantID, name: fields.name, price: fields.price, currency: fields.currency, active: fields.active, logger: context.logger)
        return EditedResponse(status: .created, headers: [.location: "/v1/products/\(product.id.uuidString)"], response: ProductResponse(product))
    }

    func update(_ request: Request, context: TenantRequestContext) async throws -> ProductResponse {
        let id = try context.pathID()
        let changes = try await request.decodeJSON(as: UpdateProductRequest.self, context: context).validated()
        return ProductResponse(try await mapped { try await catalog.update(context.tenantID, id: id, changes: changes, logger: context.logger) })
    }

    func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PaymentError {
            throw AppError(error)
        }
    }
}
