/// A phone number in E.164 (`+919876543210`), read from the many ways people and
/// spreadsheets write them: spaces, dashes, dots and brackets; a trunk `0`; the
/// country code with `+`, with `00` or bare; and the `9876543210.0` or
/// `9.87654321E9` a spreadsheet makes of a number.
public struct PhoneNumber: Sendable, Hashable {
    /// "+" and 8 to 15 digits, the first not 0.
    public let e164: String
    /// ``e164`` without the "+".
    public var digits: String { String(e164.dropFirst()) }

    /// Reads `raw`. A number written without a country code gets
    /// `defaultCountryCode` (like "+91"). Throws ``PhoneNumberError`` saying what
    /// is wrong ("has letters", "is too short for a +91 number (10 digits)").
    public init(parsing raw: String, defaultCountryCode: String) throws(PhoneNumberError) {
        let written = try WrittenPhoneNumber(raw)
        let country = defaultCountryCode.utf8.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        guard (1...3).contains(country.count), country.first != UInt8(ascii: "0") else {
            throw PhoneNumberError(reason: "cannot be read: the default country code \"\(defaultCountryCode)\" is not valid")
        }
        var international =
            written.isInternational ? written.digits : try Self.international(national: written.digits[...], country: country[...])
        guard let first = international.first, first != UInt8(ascii: "0") else {
            throw PhoneNumberError(reason: "does not start with a country code after \"+\" or \"00\"")
        }
        if let plan = NumberingPlan.forInternational(international[...]) {
            var national = international[plan.countryCode.count...]
            // "+44 (0)20 7946 0958": the trunk 0 written after the country code.
            if national.first == UInt8(ascii: "0"), plan.accepts(national.dropFirst()) { national = national.dropFirst() }
            guard plan.accepts(national) else { throw PhoneNumberError(reason: plan.problem(with: national)) }
            international = plan.countryCode + national
        }
        guard international.count >= 8 else { throw PhoneNumberError(reason: "is too short") }
        guard international.count <= 15 else { throw PhoneNumberError(reason: "is too long (more than 15 digits)") }
        e164 = "+" + String(decoding: international, as: UTF8.self)
    }

    /// The international digits of a number written without "+" or "00".
    private static func international(
        national written: ArraySlice<UInt8>, country: ArraySlice<UInt8>
    ) throws(PhoneNumberError) -> [UInt8] {
        var national = written
        let hadTrunkZero = national.first == UInt8(ascii: "0")
        if hadTrunkZero { national = national.dropFirst() }
        guard !national.isEmpty else { throw PhoneNumberError(reason: "is too short") }
        // A trunk 0 means the rest is national; without one, the digits may
        // already begin with the country code ("919876543210").
        let withCode = hadTrunkZero || !national.starts(with: country) ? nil : national.dropFirst(country.count)
        guard let plan = NumberingPlan.forCountryCode(country) else {
            // No known length: take the country code as written only when the
            // number is long for a national one.
            if let withCode, national.count >= 11 { return Array(country + withCode) }
            return Array(country + national)
        }
        if plan.accepts(national) { return Array(country + national) }
        if let withCode, plan.accepts(withCode) { return Array(country + withCode) }
        throw PhoneNumberError(reason: plan.problem(with: national))
    }
}
