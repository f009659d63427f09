import Hummingbird

/// Refuses a query parameter holding a NUL (`%00`) with 422 naming it, before any
/// handler can pass it to PostgreSQL (see `NulCharacters`).
struct NulCharacterMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Hummingbird decodes query values, not names (and no name the handlers read has a NUL).
        for (name, value) in request.uri.queryParameters where NulCharacters.contains(value) {
            throw AppError.validation(pointer: "/query/\(name)", NulCharacters.detail)
        }
        return try await next(request, context)
    }
}
