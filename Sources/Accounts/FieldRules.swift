import Foundation

/// Shape rules for account fields, shared by the API, the manifests and the CLI.
public enum FieldRules {
    /// A plausible email: one @, something on each side, a dot in the domain, no spaces.
    public static func email(_ value: String, pointer: String) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard (3...254).contains(trimmed.count), parts.count == 2, !parts[0].isEmpty,
            parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !trimmed.contains(where: { $0.isWhitespace || $0.isNewline })
        else { throw AccountsError.invalid(pointer: pointer, reason: "must be an email address") }
        return trimmed
    }

    public static func name(_ value: String, pointer: String) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(trimmed.count) else {
            throw AccountsError.invalid(pointer: pointer, reason: "must be 1 to 200 characters")
        }
        return trimmed
    }

    /// A phone number as typed: digits with an optional leading +, spaces and dashes allowed.
    public static func phone(_ value: String, pointer: String) throws -> String {
        let compact = value.filter { !" -()".contains($0) }
        let digits = compact.hasPrefix("+") ? compact.dropFirst() : Substring(compact)
        guard (6...15).contains(digits.count), digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else {
            throw AccountsError.invalid(pointer: pointer, reason: "must be a phone number of 6 to 15 digits")
        }
        return compact
    }

    /// Lower-case letters, digits and dashes, 2 to 63 characters, starting with a letter or digit.
    public static func slug(_ value: String, pointer: String) throws -> String {
        let allowed = value.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard (2...63).contains(value.count), allowed, value.first != "-" else {
            throw AccountsError.invalid(pointer: pointer, reason: "must be 2 to 63 lower-case letters, digits or dashes")
        }
        return value
    }

    /// "+" followed by 1 to 4 digits.
    public static func countryCode(_ value: String, pointer: String) throws -> String {
        let digits = value.dropFirst()
        guard value.first == "+", (1...4).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw AccountsError.invalid(pointer: pointer, reason: "must be + and 1 to 4 digits, e.g. +91")
        }
        return value
    }

    public static func timezone(_ value: String, pointer: String) throws -> String {
        guard TimeZone(identifier: value) != nil else {
            throw AccountsError.invalid(pointer: pointer, reason: "must be an IANA time zone such as Asia/Kolkata")
        }
        return value
    }
}
