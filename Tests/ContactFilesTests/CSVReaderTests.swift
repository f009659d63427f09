import Foundation
import Testing

@testable import ContactFiles

@Suite("Reading CSV")
struct CSVReaderTests {
    static func read(_ text: String) throws -> ContactSheet {
        try ContactFileReader.read(Data(text.utf8), format: .csv)
    }

    @Test("quoted fields, doubled quotes, line breaks in quotes, a byte-order mark and CRLF")
    func quoting() throws {
        let sheet = try Self.read("\u{FEFF}Name,Phone\r\n\"Rao, Asha \"\"A\"\"\",\"98765\r\n43210\"\r\nRavi,9123456789\r\n")
        #expect(sheet.header == ["Name", "Phone"])
        #expect(
            sheet.rows == [
                SheetRow(number: 2, cells: ["Rao, Asha \"A\"", "98765\r\n43210"]), SheetRow(number: 3, cells: ["Ravi", "9123456789"]),
            ])
    }

    @Test("LF, a lone CR, no line break at the end, and spaces before an opening quote")
    func lineEndings() throws {
        #expect(try Self.read("Name,Phone\nAsha,1\rRavi,2").rows.map(\.cells) == [["Asha", "1"], ["Ravi", "2"]])
        #expect(try Self.read("Name,Phone\nAsha, \"1,2\"\n").rows.first?.cells == ["Asha", "1,2"])
        #expect(try Self.read("Name,Phone\n\"\",\"\"\"\"\n").rows.first?.cells == ["", "\""])
    }

    @Test("semicolons or tabs when the header line has no comma")
    func delimiters() throws {
        #expect(try Self.read("Name;Phone\nRao, Asha;9876543210\n").rows.first?.cells == ["Rao, Asha", "9876543210"])
        #expect(try Self.read("Name\tPhone\nAsha\t9876543210").rows.first?.cells == ["Asha", "9876543210"])
        #expect(try Self.read("\"Name;x\",Phone\nAsha,1\n").header == ["Name;x", "Phone"])
    }

    @Test("ragged rows are fine; blank rows count, but not those after the last row with text")
    func raggedAndBlank() throws {
        let sheet = try Self.read("\n\nName,Phone,City\nAsha\n,,\nRavi,2,Pune,extra\n,,,\n\n")
        #expect(sheet.header == ["Name", "Phone", "City"])
        #expect(
            sheet.rows == [
                SheetRow(number: 4, cells: ["Asha"]), SheetRow(number: 5, cells: []),
                SheetRow(number: 6, cells: ["Ravi", "2", "Pune", "extra"]),
            ])
    }

    @Test("rows are numbered by record, as a spreadsheet shows them, even with line breaks in quotes")
    func rowNumbers() throws {
        let parsed = try parseCSV("Name,Phone\n\"two\nlines\",123\nOk,9876543210\nBad,1\n")
        #expect(parsed.problems.map(\.rowNumber) == [2, 4])
    }

    @Test("a header only, or nothing, is no file to import")
    func empty() {
        #expect(throws: ContactFileError("The file is empty.")) { try Self.read("") }
        #expect(throws: ContactFileError("The file has no header row.")) { try Self.read(" \n,,\n") }
        #expect(throws: ContactFileError("The file has a header row but no rows of contacts under it.")) {
            try Self.read("Name,Phone\n,,\n")
        }
    }

    @Test("text in a column past the 200th refuses the file; empty columns there are ignored")
    func columnLimit() throws {
        let wide = Array(repeating: "x", count: 200).joined(separator: ",")
        #expect(throws: ContactFileError("Row 1 has text in column GS; the limit is 200 columns.")) {
            try Self.read("Phone,\(wide)\n1\n")
        }
        let sheet = try Self.read("Phone" + String(repeating: ",", count: 100_000) + "\n1\n")
        #expect(sheet.header == ["Phone"])
    }

    @Test("more than 200,000 rows refuses the file, saying how many")
    func rowLimit() {
        let text = "Phone\n" + String(repeating: "1\n", count: 200_001)
        #expect(throws: ContactFileError("The file has 200001 rows; the limit is 200000.")) { try Self.read(text) }
    }
}
