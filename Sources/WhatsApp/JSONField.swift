import Foundation

/// Lenient reads of `JSONSerialization` output. Meta's payloads drift between API
/// versions (a code as a number or a string, a timestamp as a string or a number),
/// so each read accepts every spelling it has a reasonable reading for.
enum JSONField {
    static func object(_ value: Any?) -> [String: Any]? {
        value as? [String: Any]
    }

    /// The objects in an array, skipping anything else; a missing array is empty.
    static func objects(_ value: Any?) -> [[String: Any]] {
        (value as? [Any])?.compactMap { $0 as? [String: Any] } ?? []
    }

    /// A string, or a whole number written as one (ids sometimes come as numbers).
    static func string(_ value: Any?) -> String? {
        if let string = value as? String { return string }
        if let number = int(value) { return String(number) }
        return nil
    }

    static func int(_ value: Any?) -> Int? {
        if let number = value as? Int { return number }
        if let number = value as? Double, number.rounded() == number, abs(number) < 1e15 { return Int(number) }
        if let string = value as? String { return Int(string.trimmingCharacters(in: .whitespaces)) }
        return nil
    }

    /// Unix seconds, as the string Meta sends or as a number.
    static func date(_ value: Any?) -> Date? {
        let seconds: Double?
        if let string = value as? String {
            seconds = Double(string.trimmingCharacters(in: .whitespaces))
        } else if let number = value as? Double {
            seconds = number
        } else {
            seconds = (value as? Int).map(Double.init)
        }
        guard let seconds, seconds.isFinite, seconds >= 0 else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }
}
