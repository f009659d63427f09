/// Numbers as spreadsheets write them, turned back into the digits a person
/// typed. Phone numbers are the reason: a column of them is usually stored as
/// numbers, so a workbook holds `9876543210` or, from Java-based writers,
/// `9.87654321E9`, and a CSV export may say `9876543210.0`.
///
/// Works on the text, not through `Double`, so no digit is ever invented.
struct SpreadsheetNumber: Equatable {
    /// The significant digits, without the decimal point ("987654321").
    let digits: [UInt8]
    /// Where the decimal point goes: the value is 0.`digits` × 10^`exponent`.
    let exponent: Int
    let isNegative: Bool
    /// Written in scientific notation ("9.87654321E9").
    let isScientific: Bool

    /// Reads `[-]digits[.digits][E[+-]digits]`; nil for anything else.
    init?<Text: Collection<UInt8>>(_ text: Text) {
        var bytes = Array(text)
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes.removeFirst()
        } else if bytes.first == UInt8(ascii: "+") {
            bytes.removeFirst()
        }
        var scaled = 0
        var scientific = false
        if let e = bytes.firstIndex(where: { $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "e") }) {
            var power = bytes[(e + 1)...]
            var powerNegative = false
            if let sign = power.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                powerNegative = sign == UInt8(ascii: "-")
                power = power.dropFirst()
            }
            guard !power.isEmpty, power.count <= 3, power.allSatisfy(Self.isDigit) else { return nil }
            scaled = power.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } * (powerNegative ? -1 : 1)
            bytes.removeSubrange(e...)
            scientific = true
        }
        let point = bytes.firstIndex(of: UInt8(ascii: "."))
        let whole = point.map { bytes[..<$0] } ?? bytes[...]
        let fraction = point.map { bytes[($0 + 1)...] } ?? []
        guard !whole.isEmpty || !fraction.isEmpty, whole.allSatisfy(Self.isDigit), fraction.allSatisfy(Self.isDigit) else {
            return nil
        }
        var all = Array(whole) + Array(fraction)
        var exponent = whole.count + scaled
        while all.first == UInt8(ascii: "0") {
            all.removeFirst()
            exponent -= 1
        }
        while all.last == UInt8(ascii: "0") { all.removeLast() }
        if all.isEmpty { exponent = 0 }
        digits = all
        self.exponent = exponent
        isNegative = negative
        isScientific = scientific
    }

    /// The whole number's digits ("9876543210"), or nil when the number has a
    /// fraction, is negative, or would be longer than `maximumDigits`.
    func wholeDigits(maximumDigits: Int = 30) -> String? {
        guard !isNegative else { return nil }
        if digits.isEmpty { return "0" }
        guard exponent >= digits.count, exponent <= maximumDigits else { return nil }
        return String(decoding: digits, as: UTF8.self) + String(repeating: "0", count: exponent - digits.count)
    }

    /// How a workbook's numeric cell reads as text: whole numbers in full
    /// ("9876543210", not "9.87654321E9" or "9876543210.0"), anything else as
    /// written.
    static func cellText<Text: Collection<UInt8>>(_ value: Text) -> String {
        if !value.isEmpty, value.first != UInt8(ascii: "0"), value.allSatisfy(isDigit) {
            return String(decoding: value, as: UTF8.self)  // the usual case, as Excel writes a phone number
        }
        guard let number = SpreadsheetNumber(value) else { return String(decoding: value, as: UTF8.self) }
        let magnitude = SpreadsheetNumber(digits: number.digits, exponent: number.exponent, isNegative: false, isScientific: false)
        guard let whole = magnitude.wholeDigits() else { return String(decoding: value, as: UTF8.self) }
        return number.isNegative && whole != "0" ? "-" + whole : whole
    }

    private init(digits: [UInt8], exponent: Int, isNegative: Bool, isScientific: Bool) {
        self.digits = digits
        self.exponent = exponent
        self.isNegative = isNegative
        self.isScientific = isScientific
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
