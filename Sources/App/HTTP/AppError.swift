import Foundation
import Hummingbird

/// The one error vocabulary of the API, rendered as RFC 9457 problem+json.
public struct AppError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    /// Short kebab-case problem kind; the `type` URI is derived from it.
    public let kind: String
    public let title: String
    public let detail: String
    public let fieldErrors: [FieldError]
    public let headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, kind: String, title: String, detail: String,
        fieldErrors: [FieldError] = [], headers: HTTPFields = [:]
    ) {
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.fieldErrors = fieldErrors
        self.headers = headers
    }

    /// One invalid input field, located by a JSON pointer into the request.
    public struct FieldError: Codable, Sendable, Equatable {
        public let pointer: String
        public let detail: String
    }

    public var typeURI: String { "https://switchboard.dev/problems/\(kind)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let problem = ProblemDocument(
            type: typeURI, title: title, status: Int(status.code), detail: detail,
            instance: request.uri.path, requestId: context.id, errors: fieldErrors.isEmpty ? nil : fieldErrors
        )
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        let body = try JSONEncoder().encode(problem)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// The JSON body of a problem response.
struct ProblemDocument: Codable {
    let type: String
    let title: String
    let status: Int
    let detail: String
    let instance: String
    let requestId: String
    let errors: [AppError.FieldError]?
}
