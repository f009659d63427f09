import Foundation

/// PostgreSQL stores no U+0000 in `text` or `jsonb`: a NUL that reached a query would
/// fail there, as a 500. Request text is checked for one where it enters instead:
/// JSON bodies where they are decoded, query strings in `NulCharacterMiddleware`,
/// and the one path parameter read as text, a tag's name, in `TagsController`.
enum NulCharacters {
    static let detail = "must not contain the NUL character (U+0000)"

    /// The JSON pointer of the first string or key in a JSON body that holds a NUL;
    /// nil when none does (or the body is not JSON, which decoding reports).
    static func pointer(inJSON data: Data) -> String? {
        guard hasEscapedNul(data), let value = try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed) else {
            return nil
        }
        return pointer(in: value, at: "")
    }

    /// Whether the text has a `\u0000` escape, the only way JSON spells a NUL: the
    /// cheap scan that spares every other body a second parse.
    private static func hasEscapedNul(_ data: Data) -> Bool {
        let bytes = Array(data)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\") {
                if index + 5 < bytes.count, bytes[index + 1] == UInt8(ascii: "u"),
                    bytes[(index + 2)...(index + 5)].allSatisfy({ $0 == UInt8(ascii: "0") })
                {
                    return true
                }
                index += 2  // past the escaped character, so `\\u0000` is not read as one
            } else {
                index += 1
            }
        }
        return false
    }

    private static func pointer(in value: Any, at path: String) -> String? {
        switch value {
        case let text as String:
            return contains(text) ? path : nil
        case let array as [Any]:
            for (index, item) in array.enumerated() {
                if let found = pointer(in: item, at: "\(path)/\(index)") { return found }
            }
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                let child = path + "/" + key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
                if contains(key) { return child }
                if let found = pointer(in: object[key]!, at: child) { return found }
            }
        default:
            break
        }
        return nil
    }

    static func contains(_ text: some StringProtocol) -> Bool {
        text.unicodeScalars.contains("\u{0}")
    }
}
