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
    /// value) cost ten times as much.
    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        JSONValue(serialized: try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed))
    }

    /// A value of `JSONSerialization`'s output. Its numbers are `NSNumber`s: JSON's
    /// `true`/`false` are the boolean ones (type `c`), whole numbers that fit are
    /// integers, and everything else (a fraction, an exponent, beyond `Int`) is a Double.
    private init(serialized value: Any) {
        switch value {
        case let number as NSNumber:
            switch UInt8(bitPattern: number.objCType.pointee) {
            case UInt8(ascii: "c"): self = .bool(number.boolValue)
            case UInt8(ascii: "d"), UInt8(ascii: "f"), UInt8(ascii: "Q"): self = .double(number.doubleValue)
            default: self = .int(number.intValue)
            }
        case let string as String: self = .string(string)
        case let array as [Any]: self = .array(array.map(JSONValue.init(serialized:)))
        case let object as [String: Any]: self = .object(object.mapValues(JSONValue.init(serialized:)))
        default: self = .null
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
