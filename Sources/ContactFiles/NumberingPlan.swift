/// How long national numbers are in the countries whose numbers our tenants
/// handle most. Knowing the length tells `919876543210` (India's code written
/// without "+") from a national number, and catches a number a digit short.
/// Countries not listed get only E.164's own length check.
struct NumberingPlan: Sendable {
    /// ASCII digits of the country calling code ("91").
    let countryCode: [UInt8]
    /// Digits of a national number, without the trunk 0.
    let nationalLengths: ClosedRange<Int>
    /// First digits a national number cannot have: in North America an area code
    /// never starts with 0 or 1.
    let excludedFirstDigits: [UInt8]

    init(_ countryCode: String, _ nationalLengths: ClosedRange<Int>, excluding excluded: String = "0") {
        self.countryCode = Array(countryCode.utf8)
        self.nationalLengths = nationalLengths
        self.excludedFirstDigits = Array(excluded.utf8)
    }

    // Only plans whose lengths are fixed and well known: a wrong entry here would
    // refuse real numbers. (Calling codes are prefix-free, so at most one matches.)
    static let known: [NumberingPlan] = [
        NumberingPlan("1", 10...10, excluding: "01"),  // USA, Canada, the Caribbean
        NumberingPlan("44", 9...10),  // United Kingdom
        NumberingPlan("61", 9...9),  // Australia
        NumberingPlan("65", 8...8),  // Singapore
        // India: mobiles are 10 digits from 6-9; landlines with their area code are 10 digits too.
        NumberingPlan("91", 10...10),
        NumberingPlan("966", 8...9),  // Saudi Arabia
        NumberingPlan("971", 8...9),  // United Arab Emirates
    ]

    /// The plan for a country code's digits, if known.
    static func forCountryCode(_ code: ArraySlice<UInt8>) -> NumberingPlan? {
        known.first { $0.countryCode.elementsEqual(code) }
    }

    /// The plan whose country code starts these international digits, if known.
    static func forInternational(_ digits: ArraySlice<UInt8>) -> NumberingPlan? {
        known.first { digits.starts(with: $0.countryCode) }
    }

    /// Whether `national` (no trunk 0) is a number of this plan.
    func accepts(_ national: ArraySlice<UInt8>) -> Bool {
        guard let first = national.first else { return false }
        return nationalLengths.contains(national.count) && !excludedFirstDigits.contains(first)
    }

    /// Why `national` is not a number of this plan.
    func problem(with national: ArraySlice<UInt8>) -> String {
        let code = String(decoding: countryCode, as: UTF8.self)
        let expected =
            nationalLengths.count == 1
            ? "\(nationalLengths.lowerBound) digits" : "\(nationalLengths.lowerBound) to \(nationalLengths.upperBound) digits"
        if national.count < nationalLengths.lowerBound { return "is too short for a +\(code) number (\(expected))" }
        if national.count > nationalLengths.upperBound { return "is too long for a +\(code) number (\(expected))" }
        return "is not a valid +\(code) number"
    }
}
