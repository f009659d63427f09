import Foundation
import Testing

@testable import ContactFiles

@Suite("Reading contact files")
struct ContactFileParserTests {
    static func parse(_ csv: String) throws -> ParsedContactFile {
        let sheet = try ContactFileReader.read(Data(csv.utf8), format: .csv)
        return try ContactFileParser.parse(sheet, defaultCountryCode: "+91")
    }

    @Test("header names are matched by meaning; unknown columns become custom fields")
    func headerAliases() throws {
        for (name, phone) in [("Name", "Phone"), ("Full Name", "Mobile"), ("Customer Name", "Contact No."), ("lead_name", "MOBILE NUMBER")] {
            let parsed = try Self.parse("\(name),\(phone),City\nAsha,98765 43210,Pune\n")
            #expect(parsed.contacts.first?.name == "Asha", "\(name)")
            #expect(parsed.contacts.first?.phone.e164 == "+919876543210", "\(phone)")
            #expect(parsed.contacts.first?.customFields == ["City": "Pune"])
        }
        let split = try Self.parse("First Name,Last Name,WhatsApp\nAsha,Rao,9876543210\n")
        #expect(split.contacts.first?.name == "Asha Rao")
        #expect(throws: ContactFileError.self) { try Self.parse("Name,City\nAsha,Pune\n") }
    }

    @Test("rows with one phone fold into the first; later rows only fill what is empty")
    func mergeWithinFile() throws {
        let parsed = try Self.parse(
            """
            Name,Phone,Email,Stage,Tags,City
            Asha,98765 43210,,qualified,vip,
            Asha R,+91-98765-43210,asha@x.test,lost,"vip, new",Pune
            Ravi,9123456789,,,,
            """)
        #expect(parsed.contacts.count == 2)
        #expect(parsed.mergedWithinFile == 1)
        let asha = try #require(parsed.contacts.first)
        #expect(asha.rowNumber == 2)
        #expect(asha.name == "Asha")
        #expect(asha.email == "asha@x.test")
        #expect(asha.stage == "qualified")
        #expect(asha.tags == ["vip", "new"])
        #expect(asha.customFields == ["City": "Pune"])
    }

    @Test("each bad row is reported with its row number and reason, and contributes nothing")
    func badRows() throws {
        let parsed = try Self.parse(
            """
            Name,Phone,Email,Stage,Score,Temperature
            Good,9876543210,,,,
            Bad phone,12345,,,,
            No phone,,,,,
            Bad email,9876543211,nope@,,,
            Bad stage,9876543212,,maybe,,
            Bad score,9876543213,,,101,
            Bad temperature,9876543214,,,,boiling
            ,,,,,
            Good too,09876543215,,Won,50,HOT
            """)
        #expect(parsed.totalRows == 9)
        #expect(parsed.blankRows == 1)
        #expect(parsed.contacts.map(\.name) == ["Good", "Good too"])
        #expect(parsed.contacts.last?.stage == "won")
        #expect(parsed.contacts.last?.temperature == "hot")
        #expect(parsed.contacts.last?.score == 50)
        #expect(parsed.problems.map(\.rowNumber) == [3, 4, 5, 6, 7, 8])
        #expect(parsed.problems[0].reason.contains("12345"))
        #expect(parsed.problems[1].reason == "no phone number")
        #expect(parsed.problems[3].reason.contains("stage"))
    }

    @Test("CSV: quotes, doubled quotes, line breaks in quotes, BOM, CRLF, semicolons and tabs")
    func csvDialects() throws {
        let quoted = try ContactFileReader.read(Data("\u{FEFF}Name,Phone\r\n\"Rao, Asha \"\"A\"\"\",\"98765\n43210\"\r\n".utf8), format: .csv)
        #expect(quoted.header == ["Name", "Phone"])
        #expect(quoted.rows.first?.cells == ["Rao, Asha \"A\"", "98765\n43210"])
        let semicolons = try ContactFileReader.read(Data("Name;Phone\nAsha;9876543210\n".utf8), format: .csv)
        #expect(semicolons.rows.first?.cells == ["Asha", "9876543210"])
        let tabs = try ContactFileReader.read(Data("Name\tPhone\nAsha\t9876543210".utf8), format: .csv)
        #expect(tabs.rows.first?.cells == ["Asha", "9876543210"])
    }

    @Test("files that cannot be read are refused with a reason")
    func malformed() {
        let cases: [(Data, ContactFileFormat)] = [
            (Data(), .csv),
            (Data("Name,Phone\n".utf8) + Data([0xFF, 0xFE, 0x41]), .csv),
            (Data("Name,Phone\n\"open,9876543210\n".utf8), .csv),
            (Data((0..<2048).map { _ in UInt8.random(in: 0...255) }), .xlsx),
            (Data([0x50, 0x4B, 0x03, 0x04, 1, 2, 3]), .xlsx),
            (Data("   \n".utf8), .csv),
        ]
        for (data, format) in cases {
            #expect(throws: ContactFileError.self) {
                let sheet = try ContactFileReader.read(data, format: format)
                _ = try ContactFileParser.parse(sheet, defaultCountryCode: "+91")
            }
        }
    }

    @Test("the format is told by content type, then file name, then the bytes")
    func detection() {
        #expect(ContactFileFormat.detect(contentType: "text/csv; charset=utf-8", fileName: nil, data: Data()) == .csv)
        #expect(
            ContactFileFormat.detect(
                contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fileName: nil, data: Data()) == .xlsx)
        #expect(ContactFileFormat.detect(contentType: "application/octet-stream", fileName: "Leads.XLSX", data: Data()) == .xlsx)
        #expect(ContactFileFormat.detect(contentType: nil, fileName: nil, data: Data([0x50, 0x4B, 0x03, 0x04])) == .xlsx)
        #expect(ContactFileFormat.detect(contentType: nil, fileName: nil, data: Data("Name,Phone".utf8)) == .csv)
        #expect(ContactFileFormat.detect(contentType: "image/png", fileName: "a.csv", data: Data()) == nil)
    }
}
