import Foundation
import Testing

@testable import ContactFiles

/// The same rows saved as CSV and as workbooks by two spreadsheet libraries
/// (`Fixtures/make_fixtures.py`) import identically.
@Suite("CSV and .xlsx parity")
struct ParityTests {
    @Test("contacts.csv, contacts.xlsx (shared strings) and contacts-inline.xlsx parse to equal results")
    func sameResults() throws {
        let csv = try Fixture.parsed("contacts.csv", format: .csv)
        let xlsx = try Fixture.parsed("contacts.xlsx", format: .xlsx)
        let inline = try Fixture.parsed("contacts-inline.xlsx", format: .xlsx)
        #expect(xlsx == csv)
        #expect(inline == csv)
        #expect(
            try ContactFileReader.read(Fixture.data("contacts.xlsx"), format: .xlsx)
                == ContactFileReader.read(Fixture.data("contacts.csv"), format: .csv))
    }

    @Test("and the results are the ones the rows call for")
    func expected() throws {
        let parsed = try Fixture.parsed("contacts.xlsx", format: .xlsx)
        #expect(parsed.totalRows == 11)
        #expect(parsed.blankRows == 1)
        #expect(parsed.mergedWithinFile == 1)
        #expect(parsed.problems.map(\.rowNumber) == [5, 8, 11, 12])
        #expect(
            parsed.problems.map(\.reason) == [
                "phone \"12345\" is too short for a +91 number (10 digits)",
                "stage \"maybe\" is not one of new, contacted, qualified, proposal, negotiation, won, lost", "no phone number",
                "email \"x@\" is not valid",
            ])
        let phone = try PhoneNumber(parsing: "9876543210", defaultCountryCode: "+91")
        #expect(
            parsed.contacts.first
                == ImportedContact(
                    rowNumber: 2, phone: phone, name: "Asha Rao", email: "asha@example.test", stage: "qualified", score: 80,
                    tags: ["vip", "mumbai"], customFields: ["City": "Pune", "Joined": "2024-01-15"]))
        let ravi = try #require(parsed.contacts.dropFirst().first)
        #expect(ravi.phone.e164 == "+919123456789")
        #expect(ravi.name == "Ravi Kumar")
        #expect(ravi.email == "ravi@example.test")
        #expect(ravi.score == 55)
        #expect(ravi.tags == ["hot-lead", "VIP"])
        #expect(parsed.contacts.map(\.phone.e164) == ["+919876543210", "+919123456789", "+919988776655", "+919876512345", "+919876501111"])
        #expect(parsed.contacts.last?.customFields == ["City": "Line one\nline two"])
    }
}
