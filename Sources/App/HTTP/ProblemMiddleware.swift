import Accounts
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Persistence

/// Turns every error into a problem+json response and stamps `X-Request-Id` on every
/// answer. Unexpected errors become a 500 whose body hides internals; the log line
/// carries the error and the request id.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try problem(for: error, request: request, context: context).response(from: request, context: context)
        }
        response.headers[.requestID] = context.id
        return response
    }

    private func problem(for error: any Error, request: Request, context: Context) -> AppError {
        switch error {
        case let error as AppError:
            return error
        case let error as AccountsError:
            return AppError(error)
        case is NIOTooManyBytesError:
            return .contentTooLarge(limit: context.maxUploadSize)
        case let error as HTTPError where error.status == .notFound:
            let allowed = routes.methods(matching: request.uri.path)
            return allowed.isEmpty ? .notFound("No route matches \(request.uri.path).") : .methodNotAllowed(allowed: allowed)
        case let error as HTTPError where error.status == .unauthorized:
            return .unauthorized("Authentication required.", error: "invalid_request")
        case let error as HTTPError where error.status.code < 500:
            return AppError(
                error.status, kind: "http-\(error.status.code)", title: error.status.reasonPhrase,
                detail: error.body ?? error.status.reasonPhrase)
        default:
            if error.isDatabaseUnavailable {
                context.logger.error("database unavailable", metadata: ["error": "\(String(reflecting: error))"])
                return .unavailable("The database is unavailable; try again shortly.")
            }
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return .internalError()
        }
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
}
