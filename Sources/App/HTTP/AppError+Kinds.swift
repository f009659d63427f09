import Hummingbird

/// The problem kinds the API answers with, one constructor each.
extension AppError {
    static func badRequest(_ detail: String) -> AppError {
        AppError(.badRequest, kind: "malformed-request", title: "Malformed request", detail: detail)
    }

    static func validation(_ errors: [FieldError]) -> AppError {
        AppError(
            .unprocessableContent, kind: "validation-failed", title: "Validation failed",
            detail: errors.map { "\($0.pointer): \($0.detail)" }.joined(separator: "; "), fieldErrors: errors
        )
    }

    static func validation(pointer: String, _ detail: String) -> AppError {
        validation([FieldError(pointer: pointer, detail: detail)])
    }

    /// 401 with the challenge RFC 6750 asks for.
    static func unauthorized(_ detail: String, error: String = "invalid_token") -> AppError {
        AppError(
            .unauthorized, kind: "unauthenticated", title: "Authentication required", detail: detail,
            headers: [.wwwAuthenticate: "Bearer realm=\"switchboard\", error=\"\(error)\""]
        )
    }

    static func invalidCredentials() -> AppError {
        AppError(
            .unauthorized, kind: "invalid-credentials", title: "Invalid credentials",
            detail: "The tenant, email or password is not correct.",
            headers: [.wwwAuthenticate: "Bearer realm=\"switchboard\""]
        )
    }

    static func forbidden(_ detail: String = "Your role does not allow this.") -> AppError {
        AppError(.forbidden, kind: "forbidden", title: "Forbidden", detail: detail)
    }

    static func notFound(_ detail: String = "No such resource.") -> AppError {
        AppError(.notFound, kind: "not-found", title: "Not found", detail: detail)
    }

    static func methodNotAllowed(allowed: [HTTPRequest.Method]) -> AppError {
        let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
        return AppError(
            .methodNotAllowed, kind: "method-not-allowed", title: "Method not allowed",
            detail: "This path accepts: \(allow).", headers: [.allow: allow]
        )
    }

    static func conflict(_ detail: String) -> AppError {
        AppError(.conflict, kind: "conflict", title: "Conflict", detail: detail)
    }

    static func contentTooLarge(limit: Int) -> AppError {
        AppError(
            .contentTooLarge, kind: "content-too-large", title: "Content too large", detail: "The body is over the \(limit)-byte limit.")
    }

    static func unsupportedMediaType() -> AppError {
        AppError(
            .unsupportedMediaType, kind: "unsupported-media-type", title: "Unsupported media type",
            detail: "Send the body as application/json."
        )
    }

    static func tooManyRequests(retryAfterSeconds: Int) -> AppError {
        AppError(
            .tooManyRequests, kind: "rate-limited", title: "Too many requests",
            detail: "Too many failed attempts; try again in \(retryAfterSeconds) seconds.",
            headers: [.retryAfter: "\(retryAfterSeconds)"]
        )
    }

    static func unavailable(_ detail: String) -> AppError {
        AppError(.serviceUnavailable, kind: "unavailable", title: "Service unavailable", detail: detail, headers: [.retryAfter: "5"])
    }

    static func internalError() -> AppError {
        AppError(
            .internalServerError, kind: "internal-error", title: "Internal server error",
            detail: "Something went wrong on our side; quote the request id when reporting it."
        )
    }
}
