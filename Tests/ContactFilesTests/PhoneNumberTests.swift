import Testing

@testable import ContactFiles

@Suite("Phone numbers to E.164")
struct PhoneNumberTests {
    @Test(
        "Indian numbers as people type them",
        arguments: [
            "98765 43210", "+91-98765-43210", "09876543210", "919876543210", "+91 (987) 654-3210", "9876543210.0",
            "9.87654321E9", "0091 98765 43210", " 98765-43210 ", "+919876543210",
        ])
    func indian(_ raw: String) throws {
        #expect(try PhoneNumber(parsing: raw, defaultCountryCode: "+91").e164 == "+919876543210")
    }

    @Test(
        "invalid numbers are refused with a reason",
        arguments: ["12345", "abcdefghij", "+0123", "", "   ", "98765432101234567890", "+91 98765", "9876x43210", "98765#43210"])
    func invalid(_ raw: String) {
        #expect(throws: PhoneNumberError.self) { try PhoneNumber(parsing: raw, defaultCountryCode: "+91") }
        do {
            _ = try PhoneNumber(parsing: raw, defaultCountryCode: "+91")
        } catch {
            #expect(!error.reason.isEmpty)
        }
    }

    @Test("other default country codes")
    func otherCountries() throws {
        #expect(try PhoneNumber(parsing: "(415) 555-0134", defaultCountryCode: "+1").e164 == "+14155550134")
        #expect(try PhoneNumber(parsing: "1 415 555 0134", defaultCountryCode: "+1").e164 == "+14155550134")
        #expect(try PhoneNumber(parsing: "020 7946 0958", defaultCountryCode: "+44").e164 == "+442079460958")
        #expect(try PhoneNumber(parsing: "+91 98765 43210", defaultCountryCode: "+44").e164 == "+919876543210")
        #expect(try PhoneNumber(parsing: "98765 43210", defaultCountryCode: "+91").digits == "919876543210")
    }
}
