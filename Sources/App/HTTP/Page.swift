import Accounts
import Foundation
import Hummingbird

/// A page of a list: `{items, nextCursor}`; `nextCursor` is null on the last page.
struct Page<Item: Sendable>: Sendable {
    let items: [Item]
    let nextCursor: String?
}

extension Page: ResponseGenerator, ResponseEncodable, Encodable where Item: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)  // explicit null, not absent
    }

    private enum CodingKeys: String, CodingKey { case items, nextCursor }
}

extension Page where Item: JSONWritable {
    /// The page written by `JSONWriter` (one page of users is 50 objects with two
    /// dates each). Handlers return this `Response` explicitly: a constrained
    /// extension cannot replace the `ResponseEncodable` witness.
    func writtenResponse() -> Response {
        var writer = JSONWriter(capacity: 256 * (items.count + 1))
        writer.beginObject()
        writer.beginArray("items")
        for item in items { item.write(to: &writer) }
        writer.endArray()
        writer.fieldOrNull("nextCursor", nextCursor)
        writer.endObject()
        return writer.response()
    }
}

/// `limit` and `cursor` from the query string.
struct PageRequest: Sendable {
    let limit: Int
    /// The decoded cursor text (opaque to clients: base64url of this).
    let cursor: String?

    static let defaultLimit = 50
    static let maximumLimit = 200

    init(_ request: Request) throws {
        var validator = FieldValidator()
        let parameters = request.uri.queryParameters
        var limit = Self.defaultLimit
        if let raw = parameters["limit"] {
            if let value = Int(String(raw)), (1...Self.maximumLimit).contains(value) {
                limit = value
            } else {
                validator.fail("/query/limit", "must be a whole number from 1 to \(Self.maximumLimit)")
            }
        }
        var cursor: String?
        if let raw = parameters["cursor"], !raw.isEmpty {
            cursor = Self.decodeCursor(String(raw))
            if cursor == nil { validator.fail("/query/cursor", "is not a cursor this server issued") }
        }
        try validator.finish()
        self.limit = limit
        self.cursor = cursor
    }

    static func encodeCursor(_ text: String) -> String {
        Data(text.utf8).base64URLEncoded()
    }

    static func decodeCursor(_ token: String) -> String? {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard token.count <= 2048, let data = Data(base64Encoded: base64) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
