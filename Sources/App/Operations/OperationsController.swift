import Foundation
import Hummingbird
import Logging
import Persistence
import Prometheus

/// Health, metrics and the API description; none needs a token.
///
/// - `GET /health/live`: the process answers
/// - `GET /health/ready`: the database answers and no migration is pending
/// - `GET /metrics`: Prometheus text format
/// - `GET /openapi.json`: the OpenAPI 3.1 document
struct OperationsController: Sendable {
    let database: Database
    let migrator: Migrator
    let registry: PrometheusCollectorRegistry

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("health/live", use: live)
        router.get("health/ready", use: ready)
        router.get("metrics", use: metrics)
        router.get("openapi.json", use: openAPI)
    }

    struct Health: ResponseEncodable, Sendable {
        let status: String
        let checks: [String: String]?
    }

    func live(_ request: Request, context: AppRequestContext) -> Health {
        Health(status: "ok", checks: nil)
    }

    func ready(_ request: Request, context: AppRequestContext) async throws -> Response {
        var checks: [String: String] = [:]
        do {
            let pending = try await migrator.pending(on: database, logger: context.logger)
            checks["database"] = "ok"
            checks["migrations"] = pending.isEmpty ? "ok" : "\(pending.count) pending"
        } catch {
            context.logger.warning("readiness check failed", metadata: ["error": "\(String(reflecting: error))"])
            checks["database"] = checks["database"] ?? "unavailable"
            checks["migrations"] = checks["migrations"] ?? "unknown"
        }
        let healthy = checks.values.allSatisfy { $0 == "ok" }
        let body = try JSONEncoder().encode(Health(status: healthy ? "ok" : "unavailable", checks: checks))
        return Response(
            status: healthy ? .ok : .serviceUnavailable,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    func metrics(_ request: Request, context: AppRequestContext) -> Response {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: buffer))
        )
    }

    func openAPI(_ request: Request, context: AppRequestContext) throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try OpenAPIDocument.bytes()))
        )
    }
}
