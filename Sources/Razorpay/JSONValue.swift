import Foundation

/// Any JSON value, decoded without losing integer exactness: a number without a
/// fraction or exponent that fits in `Int` stays an `Int`; money is never a Double.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parsed with `JSONSerialization`: a webhook body is read on every delivery, and
    /// decoding `Any` JSON through `Decodable` (a failed try per candidate type at each
    /// value) took about five times as long for a §2.4 payment event.
    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        JSONValue(serialized: try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed))
    }

    /// A value of `JSONSerialization`'s output. Its numbers are `NSNumber`s: JSON's
    /// `true`/`false` are the boolean ones (type `c`), whole numbers that fit are
    /// integers, and everything else (a fraction, an exponent, beyond `Int`) is a Double.
    /// The class checks come before the casts because a failing cast from a number
    /// to a collection (or back) is what this costs most of when done the other way.
    private init(serialized value: Any) {
        let type = Swift.type(of: value)
        if let string = value as? String {
            self = .string(string)
        } else if type is NSNull.Type {
            self = .null
        } else if type is NSNumber.Type, let number = value as? NSNumber {
            switch UInt8(bitPattern: number.objCType.pointee) {
            case UInt8(ascii: "c"): self = .bool(number.boolValue)
            case UInt8(ascii: "d"), UInt8(ascii: "f"), UInt8(ascii: "Q"): self = .double(number.doubleValue)
            default: self = .int(number.intValue)
            }
        } else if let object = value as? [String: Any] {
            self = .object(object.mapValues(JSONValue.init(serialized:)))
        } else if let array = value as? [Any] {
            self = .array(array.map(JSONValue.init(serialized:)))
        } else {
            self = .null
        }
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

    var object: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Unix seconds as a date.
    var date: Date? { int.map { Date(timeIntervalSince1970: TimeInterval($0)) } }

    subscript(key: String) -> JSONValue? { object?[key] }
}
