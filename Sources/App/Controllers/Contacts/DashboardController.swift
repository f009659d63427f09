import Contacts
import Foundation
import Hummingbird

/// `GET /v1/dashboard?from=&to=` (staff): pipeline, new leads and calls in the
/// period (default: the last 30 days). Agents get their own numbers, owners and
/// admins the tenant's.
struct DashboardController: Sendable {
    let dashboard: Dashboard

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(use: get)
    }

    func get(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        var validator = FieldValidator()
        let now = Date()
        var range = (from: now.addingTimeInterval(-30 * 86_400), to: now)
        for (name, keyPath) in [("from", \(from: Date, to: Date).from), ("to", \(from: Date, to: Date).to)] {
            guard let raw = query[Substring(name)].map(String.init) else { continue }
            guard let date = try? Date(raw, strategy: .iso8601) else {
                validator.fail("/query/\(name)", "must be an ISO 8601 time, e.g. 2026-01-31T00:00:00Z")
                continue
            }
            range[keyPath: keyPath] = date
        }
        if range.from >= range.to { validator.fail("/query/from", "must be before to") }
        if range.to.timeIntervalSince(range.from) > 366 * 86_400 { validator.fail("/query/to", "must be at most 366 days after from") }
        try validator.finish()
        let figures = try await dashboard.figures(from: range.from, to: range.to, by: context.contactActor, logger: context.logger)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(figures))))
    }
}
