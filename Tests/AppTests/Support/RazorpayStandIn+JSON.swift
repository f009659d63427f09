import Foundation
import Hummingbird
import NIOCore

extension RazorpayStandIn {
    /// A JSON value that keeps integers exact (a price is never a Double), comparable
    /// in assertions with literals: `request.body?["amount"] == 29500`.
    enum JSON: Sendable, Equatable, Decodable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
        case array([JSON])
        case object([String: JSON])

        init(integerLiteral value: Int) { self = .int(value) }
        init(stringLiteral value: String) { self = .string(value) }
        init(booleanLiteral value: Bool) { self = .bool(value) }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Int.self) {
                self = .int(value)
            } else if let value = try? container.decode(Double.self) {
                self = .double(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode([JSON].self) {
                self = .array(value)
            } else {
                self = .object(try container.decode([String: JSON].self))
            }
        }

        static func parse(_ bytes: [UInt8]) -> JSON? { try? JSONDecoder().decode(JSON.self, from: Data(bytes)) }

        subscript(key: String) -> JSON? {
            if case .object(let fields) = self { return fields[key] }
            return nil
        }

        var string: String? {
            if case .string(let value) = self { return value }
            return nil
        }

        var int: Int? {
            if case .int(let value) = self { return value }
            return nil
        }

        var bool: Bool? {
            if case .bool(let value) = self { return value }
            return nil
        }

        /// An object of strings as a dictionary; nil if it is anything else.
        var stringMap: [String: String]? {
            guard case .object(let fields) = self else { return nil }
            var map: [String: String] = [:]
            for (key, value) in fields {
                guard let text = value.string else { return nil }
                map[key] = text
            }
            return map
        }
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    static func quoted(_ text: String?) -> String { text.map { quoted($0) } ?? "null" }

    /// Notes as Razorpay writes them: `[]` when there are none (§2.4), an object otherwise.
    static func notesJSON(_ notes: [String: String]) -> String {
        guard !notes.isEmpty else { return "[]" }
        return "{" + notes.sorted { $0.key < $1.key }.map { "\(quoted($0.key)):\(quoted($0.value))" }.joined(separator: ",") + "}"
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A §2.7 error body.
    static func error(
        _ status: HTTPResponse.Status, code: String = "BAD_REQUEST_ERROR", description: String, field: String? = nil,
        reason: String = "input_validation_failed"
    ) -> Response {
        json(
            #"{"error":{"code":\#(quoted(code)),"description":\#(quoted(description)),"source":"business","#
                + #""step":"payment_initiation","reason":\#(quoted(reason)),"metadata":{},"field":\#(quoted(field))}}"#,
            status: status)
    }

    /// `prefix` + 14 random alphanumerics, Razorpay's id shape.
    static func newID(_ prefix: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return prefix + String((0..<14).map { _ in alphabet.randomElement()! })
    }

    static var now: Int { Int(Date().timeIntervalSince1970) }
}
