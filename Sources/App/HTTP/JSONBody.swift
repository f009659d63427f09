import Foundation
import Hummingbird

extension Request {
    /// Decodes a JSON body, answering 415 for another content type, 413 past the body
    /// limit, 400 for malformed JSON and 422 (with the field's pointer) for missing or
    /// mistyped fields and for text holding a NUL (see `NulCharacters`).
    func decodeJSON<Body: Decodable>(as type: Body.Type, context: some RequestContext) async throws -> Body {
        guard Self.isJSON(headers[.contentType]) else { throw AppError.unsupportedMediaType() }
        if let length = headers[.contentLength].flatMap(Int.init), length > context.maxUploadSize {
            throw AppError.contentTooLarge(limit: context.maxUploadSize)
        }
        var request = self
        let data = Data(try await request.collectBody(upTo: context.maxUploadSize).readableBytesView)
        if let pointer = NulCharacters.pointer(inJSON: data) { throw AppError.validation(pointer: pointer, NulCharacters.detail) }
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch let error as DecodingError {
            throw Self.problem(for: error)
        }
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() else {
            return false
        }
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    static func problem(for error: DecodingError) -> AppError {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return .badRequest("The body is not valid JSON.")
        case .dataCorrupted(let context):
            return .validation(pointer: pointer(context.codingPath), "is not valid")
        case .keyNotFound(let key, let context):
            return .validation(pointer: pointer(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context):
            return .validation(pointer: pointer(context.codingPath), "must be \(describe(type))")
        case .valueNotFound(let type, let context):
            return .validation(pointer: pointer(context.codingPath), "must be \(describe(type)), not null")
        @unknown default:
            return .badRequest("The body could not be read.")
        }
    }

    static func pointer(_ path: [any CodingKey]) -> String {
        "/"
            + path.map { key in
                key.intValue.map(String.init)
                    ?? key.stringValue.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
            }.joined(separator: "/")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        default: "an object of the documented shape"
        }
    }
}
