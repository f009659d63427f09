/// A phone number in E.164 (`+919876543210`), parsed from the many ways people
/// type them: spaces, dashes, dots and brackets, a trunk `0`, the country code with
/// or without `+` or `00`, and the `9876543210.0` or `9.87654321E9` a spreadsheet
/// makes of a number.
public struct PhoneNumber: Sendable, Hashable {
    public let e164: String
    public var digits: String { String(e164.dropFirst()) }

    /// `defaultCountryCode` (like "+91") applies to numbers written without one.
    public init(parsing raw: String, defaultCountryCode: String) throws(PhoneNumberError) {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw PhoneNumberError(reason: "is empty") }
        if let expanded = Self.expandScientific(text) { text = expanded }
        if text.hasSuffix(".0") { text.removeLast(2) }
        var international = false
        if text.hasPrefix("+") {
            international = true
            text.removeFirst()
        }
        var digits = ""
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if " -.()/\u{00A0}".contains(character) {
                continue
            } else if character.isLetter {
                throw PhoneNumberError(reason: "\"\(raw)\" has letters")
            } else {
                throw PhoneNumberError(reason: "\"\(raw)\" has characters a phone number cannot have")
            }
        }
        if !international, digits.hasPrefix("00") {
            international = true
            digits.removeFirst(2)
        }
        let country = String(defaultCountryCode.filter(\.isNumber))
        if !international {
            if digits.hasPrefix("0") { digits.removeFirst() }
            let national = Self.nationalLength(country)
            if let national, digits.count == national + country.count, digits.hasPrefix(country) {
                international = true  // written with the country code but no "+"
            } else if let national, digits.count != national {
                throw PhoneNumberError(reason: "\"\(raw)\" is \(digits.count < national ? "too short" : "too long") for \(defaultCountryCode)")
            } else {
                digits = country + digits
                international = true
            }
        }
        guard let first = digits.first, first != "0" else { throw PhoneNumberError(reason: "\"\(raw)\" has no valid country code") }
        guard digits.count >= 8 else { throw PhoneNumberError(reason: "\"\(raw)\" is too short") }
        guard digits.count <= 15 else { throw PhoneNumberError(reason: "\"\(raw)\" is too long") }
        if digits.hasPrefix("91"), digits.count != 12 {  // India: +91 and 10 digits
            throw PhoneNumberError(reason: "\"\(raw)\" is not a 10-digit Indian number")
        }
        e164 = "+" + digits
    }

    /// The length of a national number where we know it (after the trunk 0), for
    /// telling "919876543210" (country code included) from a national number.
    static func nationalLength(_ country: String) -> Int? {
        switch country {
        case "91", "1": 10
        case "44": 10
        case "971": 9
        case "65": 8
        default: nil
        }
    }

    /// "9.87654321E9" → "9876543210" when it is a whole number.
    static func expandScientific(_ text: String) -> String? {
        guard text.contains(where: { $0 == "E" || $0 == "e" }), let value = Double(text), value.rounded() == value,
            value >= 0, value < 1e16
        else { return nil }
        return String(Int64(value))
    }
}

/// Why a phone number was refused.
public struct PhoneNumberError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }

    public init(reason: String) {
        self.reason = reason
    }
}
