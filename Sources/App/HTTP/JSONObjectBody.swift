import Foundation
import Hummingbird

extension Request {
    /// Decodes a JSON object body as `Body` and also returns it as a dictionary, for
    /// free-form members (a contact's custom fields) that no Decodable type describes.
    func decodeJSONObject<Body: Decodable>(
        as type: Body.Type, context: some RequestContext
    ) async throws -> (body: Body, object: [String: Any]) {
        guard Self.isJSON(headers[.contentType]) else { throw AppError.unsupportedMediaType() }
        if let length = headers[.contentLength].flatMap(Int.init), length > context.maxUploadSize {
            throw AppError.contentTooLarge(limit: context.maxUploadSize)
        }
        var request = self
        let data = Data(try await request.collectBody(upTo: context.maxUploadSize).readableBytesView)
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw AppError.badRequest("The body is not a JSON object.")
        }
        if let pointer = NulCharacters.pointer(inJSON: data) { throw AppError.validation(pointer: pointer, NulCharacters.detail) }
        do {
            return (try JSONDecoder().decode(Body.self, from: data), object)
        } catch let error as DecodingError {
            throw Self.problem(for: error)
        }
    }
}
