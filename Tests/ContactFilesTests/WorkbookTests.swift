import Foundation
import Testing

@testable import ContactFiles

@Suite("Reading .xlsx workbooks")
struct WorkbookTests {
    @Test("shared strings with rich text, inline strings, numbers as phones, gaps, and the sheet found through relationships")
    func excelShapes() throws {
        let data = try TestWorkbook.make(
            sheetData: """
                <row r="1" spans="1:5"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="inlineStr"><is><t>City</t></is></c><c r="E1" t="s"><v>3</v></c></row>
                <row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" s="3"><v>9876543210</v></c><c r="D2" t="str"><f>UPPER("pune")</f><v>PUNE</v></c><c r="E2" t="b"><v>1</v></c></row>
                <row r="4"><c r="A4" t="inlineStr"><is><r><t>Ra</t></r><r><rPr><b/></rPr><t>vi</t></r></is></c><c r="B4"><v>9.123456789E9</v></c><c r="C4" s="2"/><c r="D4" t="inlineStr"><is><t>Navi&amp;Mumbai_x000D_</t></is></c></row>
                <row r="5"><c r="B5" t="n"><v>9876500000.0</v></c><c r="E5" t="e"><v>#N/A</v></c></row>
                """,
            sharedStrings:
                #"<si><t>Name</t></si><si><t>Mobile</t></si><si><r><t>Asha</t></r><r><t xml:space="preserve"> Rao</t></r><rPh sb="0" eb="1"><t>アシャ</t></rPh></si><si><t>Active</t></si>"#
        )
        let sheet = try ContactFileReader.read(data, format: .xlsx)
        #expect(sheet.header == ["Name", "Mobile", "", "City", "Active"])
        #expect(
            sheet.rows == [
                SheetRow(number: 2, cells: ["Asha Rao", "9876543210", "", "PUNE", "TRUE"]),
                SheetRow(number: 3, cells: []),
                SheetRow(number: 4, cells: ["Ravi", "9123456789", "", "Navi&Mumbai\r"]),
                SheetRow(number: 5, cells: ["", "9876500000", "", "", "#N/A"]),
            ])
        let parsed = try ContactFileParser.parse(sheet, defaultCountryCode: "+91")
        #expect(parsed.contacts.map(\.name) == ["Asha Rao", "Ravi", nil])
        #expect(parsed.contacts.map(\.phone.e164) == ["+919876543210", "+919123456789", "+919876500000"])
        #expect(parsed.contacts.first?.customFields == ["City": "PUNE", "Active": "TRUE"])
        #expect(parsed.blankRows == 1)
    }

    @Test("prefixed SpreadsheetML elements, CDATA, comments and absolute part names")
    func otherWriters() throws {
        let data = try TestWorkbook.zip([
            (
                "xl/workbook.xml",
                #"<x:workbook xmlns:x="\#(TestWorkbook.main)" xmlns:r="\#(TestWorkbook.relationships)"><x:sheets><x:sheet name="S" sheetId="3" r:id="R1"/></x:sheets></x:workbook>"#
            ),
            (
                "xl/_rels/workbook.xml.rels",
                #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="R1" Type="\#(TestWorkbook.relationships)/worksheet" Target="/xl/worksheets/../sheets/s.xml"/></Relationships>"#
            ),
            (
                "xl/sheets/s.xml",
                #"<?xml version="1.0"?><!-- written by hand --><x:worksheet xmlns:x="\#(TestWorkbook.main)"><x:sheetData><x:row r='1'><x:c r='A1' t='inlineStr'><x:is><x:t>Phone</x:t></x:is></x:c></x:row><x:row r='2'><x:c r='A2' t='inlineStr'><x:is><x:t><![CDATA[98765 <43210>]]></x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>"#
            ),
        ])
        let sheet = try ContactFileReader.read(data, format: .xlsx)
        #expect(sheet.header == ["Phone"])
        #expect(sheet.rows.first?.cells == ["98765 <43210>"])
    }

    @Test("the first visible sheet in tab order is read (fixture: first tab hidden)")
    func hiddenFirstSheet() throws {
        let sheet = try ContactFileReader.read(Fixture.data("hidden-first-sheet.xlsx"), format: .xlsx)
        #expect(sheet.header == ["Name", "Phone"])
        #expect(sheet.rows.first?.cells == ["Visible", "9876543210"])
    }

    @Test("dates in date-formatted cells read as dates, not serial numbers")
    func dates() throws {
        let sheet = try ContactFileReader.read(Fixture.data("contacts.xlsx"), format: .xlsx)
        #expect(sheet.header.last == "Joined")
        #expect(sheet.rows.first?.cells.last == "2024-01-15")
        #expect(ExcelDate.text(serial: 45306.75, kind: .dateTime, uses1904: false) == "2024-01-15 18:00")
        #expect(ExcelDate.text(serial: 0.5, kind: .time, uses1904: false) == "12:00")
        #expect(ExcelDate.text(serial: 1, kind: .date, uses1904: false) == "1900-01-01")
        #expect(ExcelDate.text(serial: 0, kind: .date, uses1904: true) == "1904-01-01")
        #expect(ExcelDate.Kind(formatCode: "dd/mm/yyyy") == .date)
        #expect(ExcelDate.Kind(formatCode: "[h]:mm:ss") == .time)
        #expect(ExcelDate.Kind(formatCode: "#,##0.00\" days\"") == nil)
        #expect(ExcelDate.Kind(formatCode: "General") == nil)
    }

    @Test("more than 200,000 rows refuses the workbook, saying how many")
    func rowLimit() throws {
        let data = try TestWorkbook.make(
            sheetData: TestWorkbook.row(1, ["Phone"]) + TestWorkbook.row(2, ["1"]) + TestWorkbook.row(200_002, ["1"]))
        #expect(throws: ContactFileError("The file has 200001 rows; the limit is 200000.")) {
            try ContactFileReader.read(data, format: .xlsx)
        }
    }

    @Test("empty styled cells far to the right are ignored; text past column 200 refuses the file")
    func columnLimit() throws {
        let styled = try TestWorkbook.make(
            sheetData: #"<row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c><c r="XFD1" s="4"/></row>"#
                + TestWorkbook.row(2, ["1"]))
        #expect(try ContactFileReader.read(styled, format: .xlsx).header == ["Phone"])
        let wide = try TestWorkbook.make(
            sheetData: #"<row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c><c r="GS1" t="inlineStr"><is><t>x</t></is></c></row>"#)
        #expect(throws: ContactFileError("Row 1 has text in column GS; the limit is 200 columns.")) {
            try ContactFileReader.read(wide, format: .xlsx)
        }
    }

    @Test("a worksheet over 10 MB (100,000 rows) is read whole")
    func largeSheet() throws {
        var rows = TestWorkbook.row(1, ["Name", "Phone"])
        for index in 2...100_001 {
            rows +=
                #"<row r="\#(index)"><c r="A\#(index)" t="inlineStr"><is><t>Contact number \#(index)</t></is></c>"#
                + #"<c r="B\#(index)"><v>\#(9_000_000_000 + index)</v></c></row>"#
        }
        #expect(rows.utf8.count > 10_000_000)
        let sheet = try ContactFileReader.read(try TestWorkbook.make(sheetData: rows), format: .xlsx)
        #expect(sheet.rows.count == 100_000)
        #expect(sheet.rows.last?.cells == ["Contact number 100001", "9000100001"])
    }
}
