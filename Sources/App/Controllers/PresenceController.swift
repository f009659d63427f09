import Accounts
import Hummingbird
import Realtime

/// Staff presence.
///
/// - `PUT /v1/me/presence` `{status}`: owner, admin, agent set their own status
///   (`available|busy|away|offline`); answers their presence.
/// - `GET /v1/presence`: owner, admin, agent list the tenant's staff, reachable first.
///
/// Reachable means a status other than `offline` and a live real-time connection on
/// a live node. Changes reach the tenant's staff as `presence.changed` events.
struct PresenceController: Sendable {
    let presence: PresenceStore

    struct SetPresenceRequest: Decodable {
        let status: String
    }

    struct PresenceList: ResponseEncodable {
        let items: [PresenceEntry]
    }

    func addOwnRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.put(use: setOwn)
    }

    func addListRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(use: list)
    }

    func setOwn(_ request: Request, context: TenantRequestContext) async throws -> PresenceEntry {
        guard context.principal.role != .customer else {
            throw AppError.forbidden("Only staff (owner, admin, agent) have a presence.")
        }
        let body = try await request.decodeJSON(as: SetPresenceRequest.self, context: context)
        guard let status = PresenceStatus(rawValue: body.status) else {
            throw AppError.validation(pointer: "/status", "must be one of available, busy, away, offline")
        }
        guard
            let entry = try await presence.setStatus(
                status, tenantID: context.tenantID, userID: context.principal.userID, logger: context.logger
            )
        else { throw AppError.notFound() }
        return entry
    }

    func list(_ request: Request, context: TenantRequestContext) async throws -> PresenceList {
        PresenceList(items: try await presence.list(tenantID: context.tenantID, logger: context.logger))
    }
}

extension PresenceEntry: ResponseEncodable {}
