import Foundation
import Testing
import ZIPFoundation

@testable import ContactFiles

/// Workbooks as Excel writes them: shared strings (with rich-text runs), numbers
/// for phones (sometimes in scientific notation), skipped cells, and the sheet
/// found through the workbook's relationships.
@Suite("Reading .xlsx workbooks")
struct WorkbookTests {
    static func workbook(sheetPath: String = "worksheets/data.xml", sheet: String, sharedStrings: String?) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        try add(
            "xl/workbook.xml",
            #"<?xml version="1.0"?><workbook xmlns="\#(ns)" xmlns:r="\#(rel)"><sheets><sheet name="Leads" sheetId="1" r:id="rId7"/></sheets></workbook>"#)
        try add(
            "xl/_rels/workbook.xml.rels",
            #"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="\#(rel)/worksheet" Target="\#(sheetPath)"/></Relationships>"#
        )
        if let sharedStrings { try add("xl/sharedStrings.xml", #"<?xml version="1.0"?><sst xmlns="\#(ns)">\#(sharedStrings)</sst>"#) }
        try add("xl/" + sheetPath, #"<?xml version="1.0"?><worksheet xmlns="\#(ns)"><sheetData>\#(sheet)</sheetData></worksheet>"#)
        return try #require(archive.data)
    }

    @Test("shared and inline strings, numeric phones, gaps, and the sheet named by the relationships")
    func excelShapes() throws {
        let data = try Self.workbook(
            sheet: """
                <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="inlineStr"><is><t>City</t></is></c></row>
                <row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>9876543210</v></c><c r="D2" t="str"><f>UPPER("pune")</f><v>PUNE</v></c></row>
                <row r="4"><c r="A4" t="inlineStr"><is><t>Ravi</t></is></c><c r="B4"><v>9.123456789E9</v></c></row>
                """,
            sharedStrings: #"<si><t>Name</t></si><si><t>Mobile</t></si><si><r><t>Asha</t></r><r><t xml:space="preserve"> Rao</t></r><rPh><t>x</t></rPh></si>"#)
        let sheet = try ContactFileReader.read(data, format: .xlsx)
        #expect(sheet.header == ["Name", "Mobile", "", "City"])
        #expect(sheet.rows.map(\.number) == [2, 4])
        let parsed = try ContactFileParser.parse(sheet, defaultCountryCode: "+91")
        #expect(parsed.contacts.map(\.name) == ["Asha Rao", "Ravi"])
        #expect(parsed.contacts.map(\.phone.e164) == ["+919876543210", "+919123456789"])
        #expect(parsed.contacts.first?.customFields == ["City": "PUNE"])
    }

    @Test("the same rows as CSV and as a workbook parse alike")
    func parity() throws {
        let rows = [["Name", "Phone", "Email", "Tags"], ["Asha", "98765 43210", "A@X.test", "vip;new"], ["Bad", "123", "", ""]]
        let csv = rows.map { $0.joined(separator: ",") }.joined(separator: "\n")
        let xml = rows.enumerated().map { index, row in
            #"<row r="\#(index + 1)">"#
                + row.enumerated().map { column, value in
                    #"<c r="\#(Character(UnicodeScalar(UInt8(65 + column))))\#(index + 1)" t="inlineStr"><is><t>\#(value)</t></is></c>"#
                }.joined() + "</row>"
        }.joined()
        let fromCSV = try ContactFileParser.parse(try ContactFileReader.read(Data(csv.utf8), format: .csv), defaultCountryCode: "+91")
        let fromXLSX = try ContactFileParser.parse(
            try ContactFileReader.read(try Self.workbook(sheet: xml, sharedStrings: nil), format: .xlsx), defaultCountryCode: "+91")
        #expect(fromCSV.contacts == fromXLSX.contacts)
        #expect(fromCSV.problems == fromXLSX.problems)
        #expect(fromCSV.contacts.first?.email == "a@x.test")
    }

    @Test("a zip without a workbook, or with a broken worksheet, is refused")
    func notAWorkbook() throws {
        let archive = try Archive(data: Data(), accessMode: .create)
        let text = Data("hello".utf8)
        try archive.addEntry(with: "readme.txt", type: .file, uncompressedSize: Int64(text.count)) { position, size in
            text.subdata(in: Int(position)..<Int(position) + size)
        }
        #expect(throws: ContactFileError.self) { try ContactFileReader.read(try #require(archive.data), format: .xlsx) }
        let broken = try Self.workbook(sheet: "<row r=\"1\"><c r=\"A1\"", sharedStrings: nil)
        #expect(throws: ContactFileError.self) { try ContactFileReader.read(broken, format: .xlsx) }
        let truncated = try Self.workbook(sheet: "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Phone</t></is></c></row>", sharedStrings: nil)
        #expect(throws: ContactFileError.self) { try ContactFileReader.read(truncated.prefix(truncated.count / 2), format: .xlsx) }
    }

    @Test("a worksheet over 10 MB (100,000 rows) is read whole")
    func largeSheet() throws {
        var rows = #"<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1" t="inlineStr"><is><t>Phone</t></is></c></row>"#
        for index in 2...100_001 {
            rows += #"<row r="\#(index)"><c r="A\#(index)" t="inlineStr"><is><t>Contact number \#(index)</t></is></c>"#
                + #"<c r="B\#(index)"><v>\#(9_000_000_000 + index)</v></c></row>"#
        }
        #expect(rows.utf8.count > 10_000_000)
        let sheet = try ContactFileReader.read(try Self.workbook(sheet: rows, sharedStrings: nil), format: .xlsx)
        #expect(sheet.rows.count == 100_000)
        #expect(sheet.rows.last?.cells == ["Contact number 100001", "9000100001"])
    }
}
