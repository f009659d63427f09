/// The digits of a phone number as written, with the punctuation people put in
/// them taken out, and whether it was written as international ("+" or "00").
struct WrittenPhoneNumber {
    /// ASCII digits.
    let digits: [UInt8]
    let isInternational: Bool

    init(_ raw: String) throws(PhoneNumberError) {
        var text = Substring(raw.trimmed)
        guard !text.isEmpty else { throw PhoneNumberError(reason: "is empty") }
        if text.first == "'" { text = text.dropFirst() }  // Excel's "keep this as text" mark
        let mayBeNumber = text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "e") }
        if mayBeNumber, let number = SpreadsheetNumber(text.utf8), number.isScientific || text.utf8.contains(UInt8(ascii: ".")) {
            if let whole = number.wholeDigits(maximumDigits: 20) {
                // A spreadsheet's number: "9876543210.0", "9.87654321E9". Excel's
                // "General" format keeps 6 significant digits of a long number in a
                // CSV ("9.19877E+11"): the rest are gone, and guessing would dial a
                // stranger.
                if number.isScientific, number.digits.count <= 6, whole.count > number.digits.count + 1 {
                    throw PhoneNumberError(
                        reason:
                            "was cut short by a spreadsheet (it kept \(number.digits.count) digits); format the column as text and export again"
                    )
                }
                digits = Array(whole.utf8)
                isInternational = false
                return
            }
            // "98765.43210" is dots between digits, read below; "9.8E-3" is no phone number.
            if number.isScientific { throw PhoneNumberError(reason: "is not a whole number") }
        }
        var digits: [UInt8] = []
        var plus = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "0"..."9":
                digits.append(UInt8(scalar.value))
            case "+" where digits.isEmpty && !plus:
                plus = true
            case " ", "-", ".", "(", ")", "/", "\t", "\u{00A0}", "\u{2010}"..."\u{2015}", "\u{2212}", "\u{202F}":
                continue  // separators, including the dashes and spaces word processors substitute
            default:
                if scalar.isBlank { continue }
                if scalar.properties.isAlphabetic { throw PhoneNumberError(reason: "has letters") }
                throw PhoneNumberError(reason: "has \"\(scalar)\", which is not part of a phone number")
            }
        }
        guard !digits.isEmpty else { throw PhoneNumberError(reason: "has no digits") }
        if !plus, digits.starts(with: [UInt8(ascii: "0"), UInt8(ascii: "0")]) {
            digits.removeFirst(2)
            plus = true
        }
        self.digits = digits
        isInternational = plus
    }
}
