import Hummingbird
import Logging

/// One structured log line per request: method, path (never the query, which may hold
/// tokens), status, duration, and the tenant and user when known.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        guard context.logger.logLevel <= .info else { return response }
        let elapsed = ContinuousClock.now - start
        var metadata: Logger.Metadata = [
            "method": "\(request.method.rawValue)",
            "path": "\(request.uri.path)",
            "status": "\(response.status.code)",
            "duration_ms":
                "\(Double(elapsed.components.attoseconds / 1_000_000_000_000) / 1000 + Double(elapsed.components.seconds) * 1000)",
        ]
        let ids = context.facts.tenantAndUser
        if let tenantID = ids.tenantID { metadata["tenant_id"] = "\(tenantID)" }
        if let userID = ids.userID { metadata["user_id"] = "\(userID)" }
        context.logger.info("request", metadata: metadata)
        return response
    }
}
