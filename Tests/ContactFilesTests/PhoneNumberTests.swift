import Testing

@testable import ContactFiles

@Suite("Phone numbers to E.164")
struct PhoneNumberTests {
    @Test(
        "Indian numbers as people and spreadsheets write them",
        arguments: [
            "98765 43210", "+91-98765-43210", "09876543210", "919876543210", "+91 (987) 654-3210", "9876543210.0",
            "9.87654321E9", "9.87654321E+09", "0091 98765 43210", "00919876543210", " 98765-43210 ", "+919876543210",
            "'9876543210", "98765.43210", "(+91) 98765 43210", "+91 (0) 98765 43210", "98765\u{00A0}43210", "98765–43210",
        ])
    func indian(_ raw: String) throws {
        #expect(try PhoneNumber(parsing: raw, defaultCountryCode: "+91").e164 == "+919876543210")
    }

    @Test(
        "numbers that are not phone numbers are refused with a reason",
        arguments: [
            ("12345", "is too short for a +91 number (10 digits)"),
            ("abcdefghij", "has letters"),
            ("9876x43210", "has letters"),
            ("+0123", "does not start with a country code after \"+\" or \"00\""),
            ("", "is empty"),
            ("   ", "is empty"),
            ("98765432101234567890", "is too long for a +91 number (10 digits)"),
            ("+98765432101234567890", "is too long (more than 15 digits)"),
            ("+91 98765", "is too short for a +91 number (10 digits)"),
            ("98765#43210", "has \"#\", which is not part of a phone number"),
            ("9.19877E+11", "was cut short by a spreadsheet (it kept 6 digits); format the column as text and export again"),
            ("9.8765432101E9", "is not a whole number"),
            ("---", "has no digits"),
        ])
    func invalid(_ raw: String, reason: String) {
        #expect(throws: PhoneNumberError(reason: reason)) { try PhoneNumber(parsing: raw, defaultCountryCode: "+91") }
    }

    @Test("Indian landlines with their area code are 10 digits too")
    func landline() throws {
        #expect(try PhoneNumber(parsing: "022 2345 6789", defaultCountryCode: "+91").e164 == "+912223456789")
        #expect(try PhoneNumber(parsing: "2223456789", defaultCountryCode: "+91").e164 == "+912223456789")
    }

    @Test("a 10-digit Indian number that starts with 91 is national, not a country code")
    func startsWithCountryCode() throws {
        #expect(try PhoneNumber(parsing: "9123456789", defaultCountryCode: "+91").e164 == "+919123456789")
    }

    @Test("other default country codes")
    func otherCountries() throws {
        #expect(try PhoneNumber(parsing: "(415) 555-0134", defaultCountryCode: "+1").e164 == "+14155550134")
        #expect(try PhoneNumber(parsing: "1 415 555 0134", defaultCountryCode: "+1").e164 == "+14155550134")
        #expect(try PhoneNumber(parsing: "+1-415-555-0134", defaultCountryCode: "+91").e164 == "+14155550134")
        #expect(throws: PhoneNumberError.self) { try PhoneNumber(parsing: "115 555 0134", defaultCountryCode: "+1") }
        #expect(try PhoneNumber(parsing: "020 7946 0958", defaultCountryCode: "+44").e164 == "+442079460958")
        #expect(try PhoneNumber(parsing: "+44 (0)20 7946 0958", defaultCountryCode: "+91").e164 == "+442079460958")
        #expect(try PhoneNumber(parsing: "447946095800", defaultCountryCode: "+44").e164 == "+447946095800")
        #expect(try PhoneNumber(parsing: "+91 98765 43210", defaultCountryCode: "+44").e164 == "+919876543210")
        // A country without a known numbering plan: only E.164's length applies.
        #expect(try PhoneNumber(parsing: "030 1234567", defaultCountryCode: "+49").e164 == "+49301234567")
        #expect(try PhoneNumber(parsing: "+49 30 1234567", defaultCountryCode: "+91").e164 == "+49301234567")
    }

    @Test("digits is the E.164 number without the plus")
    func digits() throws {
        #expect(try PhoneNumber(parsing: "98765 43210", defaultCountryCode: "+91").digits == "919876543210")
    }

    @Test("a malformed default country code is reported, not guessed")
    func badDefault() {
        #expect(throws: PhoneNumberError.self) { try PhoneNumber(parsing: "9876543210", defaultCountryCode: "") }
        #expect(throws: PhoneNumberError.self) { try PhoneNumber(parsing: "9876543210", defaultCountryCode: "+0") }
    }
}
