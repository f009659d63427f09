import Accounts
import Foundation
import Hummingbird
import Persistence

/// The tenant's audit trail, newest first.
///
/// - `GET /v1/audit`: owner, admin
struct AuditController: Sendable {
    let database: Database
    let audit = AuditLog()

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(use: list)
    }

    struct Entry: Encodable, Sendable {
        let id: Int64
        let actorKind: String
        let actorUserId: UUID?
        let action: String
        let targetType: String
        let targetId: String?
        let details: [String: String]
        let requestId: String?
        let createdAt: Date
    }

    func list(_ request: Request, context: TenantRequestContext) async throws -> Page<Entry> {
        let page = try PageRequest(request)
        let before = page.cursor.map { Int64($0) }
        if case .some(.none) = before { throw AppError.validation(pointer: "/query/cursor", "is not a cursor this server issued") }
        let tenantID = context.tenantID
        let logger = context.logger
        let entries = try await database.withTenant(tenantID, logger: logger) { connection in
            try await audit.list(tenantID, before: before ?? nil, limit: page.limit + 1, on: connection, logger: logger)
        }
        let shown = entries.prefix(page.limit)
        let items = shown.map { entry in
            Entry(
                id: entry.id, actorKind: entry.actorKind, actorUserId: entry.actorUserID, action: entry.action,
                targetType: entry.targetType, targetId: entry.targetID,
                details: (try? JSONDecoder().decode([String: String].self, from: Data(entry.details.utf8))) ?? [:],
                requestId: entry.requestID, createdAt: entry.createdAt
            )
        }
        let next = entries.count > page.limit ? shown.last.map { PageRequest.encodeCursor(String($0.id)) } : nil
        return Page(items: items, nextCursor: next)
    }
}
