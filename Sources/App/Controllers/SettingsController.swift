import Accounts
import Hummingbird

/// The tenant's settings and integration credentials, for its administrators.
/// Secrets are write-only: reads show `configured` and at most the last 4 characters.
///
/// - `GET /v1/settings`: owner, admin
/// - `PATCH /v1/settings`: owner, admin
struct SettingsController: Sendable {
    let settings: TenantSettingsService

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(use: get)
        group.patch(use: update)
    }

    func get(_ request: Request, context: TenantRequestContext) async throws -> SettingsResponse {
        SettingsResponse(try await settings.get(context.tenantID, logger: context.logger))
    }

    func update(_ request: Request, context: TenantRequestContext) async throws -> SettingsResponse {
        let body = try await request.decodeJSON(as: UpdateSettingsRequest.self, context: context)
        let changes = try body.validated()
        return SettingsResponse(try await settings.update(changes, by: context.adminActor, logger: context.logger))
    }
}
