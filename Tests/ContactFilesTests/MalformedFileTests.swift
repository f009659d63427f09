import Foundation
import Testing
import ZIPFoundation

@testable import ContactFiles

/// Files that cannot be read must be refused with a ``ContactFileError`` (which
/// the import shows its user), never a crash or a hang.
@Suite("Files that cannot be read")
struct MalformedFileTests {
    static func readError(_ data: Data, _ format: ContactFileFormat) -> ContactFileError? {
        do {
            _ = try ContactFileReader.read(data, format: format)
            return nil
        } catch {
            return error
        }
    }

    @Test("random bytes, as a workbook and as CSV")
    func randomBytes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let data = Data((0..<2048).map { _ in UInt8.random(in: 0...255, using: &generator) })
            #expect(Self.readError(data, .xlsx) != nil)
            #expect(Self.readError(data, .csv) != nil)
        }
        #expect(Self.readError(Data([0x50, 0x4B, 0x03, 0x04, 1, 2, 3]), .xlsx) != nil)
    }

    @Test("a workbook cut short at any point, or with a damaged byte")
    func truncatedAndDamaged() throws {
        let workbook = try Fixture.data("contacts.xlsx")
        for length in stride(from: 0, to: workbook.count, by: 97) {
            #expect(Self.readError(workbook.prefix(length), .xlsx) != nil, "cut at \(length)")
        }
        var damaged = 0
        for offset in stride(from: 40, to: workbook.count - 200, by: 211) {
            var copy = workbook
            copy[offset] ^= 0x5A
            // A flipped byte in the zip's own bookkeeping may leave a readable file; it must never crash.
            if Self.readError(copy, .xlsx) != nil { damaged += 1 }
        }
        #expect(damaged > 0)
    }

    @Test("a zip without a workbook, or without its worksheet")
    func zipWithoutWorkbook() throws {
        let readme = try TestWorkbook.zip([("readme.txt", "hello")])
        #expect(Self.readError(readme, .xlsx) == ContactFileError("The file is not a valid .xlsx workbook (it has no xl/workbook.xml)."))
        let noSheet = try TestWorkbook.zip([
            (
                "xl/workbook.xml",
                #"<workbook xmlns:r="\#(TestWorkbook.relationships)"><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
            (
                "xl/_rels/workbook.xml.rels",
                #"<Relationships><Relationship Id="rId1" Type="\#(TestWorkbook.relationships)/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            ),
        ])
        #expect(Self.readError(noSheet, .xlsx) == ContactFileError("The file is not a valid .xlsx workbook (no worksheet found)."))
    }

    @Test("malformed XML, a DOCTYPE, and a shared string that is not there")
    func badParts() throws {
        let cases = [
            try TestWorkbook.make(sheetData: #"<row r="1"><c r="A1""#),
            try TestWorkbook.make(
                sheetData: TestWorkbook.row(1, ["Phone"]) + #"<row r="2"><c r="A2" t="s"><v>5</v></c></row>"#,
                sharedStrings: "<si><t>x</t></si>"),
            try TestWorkbook.zip([
                ("xl/workbook.xml", #"<!DOCTYPE lol [<!ENTITY lol "lol">]><workbook><sheets/></workbook>"#)
            ]),
            try TestWorkbook.make(sheetData: #"<!DOCTYPE x><row r="1"/>"#),
            try TestWorkbook.zip([("xl/workbook.xml", "<workbook><sheets>")]),
        ]
        for (index, data) in cases.enumerated() {
            let reason = Self.readError(data, .xlsx)?.reason ?? "no error"
            #expect(reason.hasPrefix("The file is not a valid .xlsx workbook"), "case \(index): \(reason)")
        }
    }

    @Test("a part that inflates past the limit is refused, whatever the zip claims its size is")
    func zipBomb() throws {
        let big = String(repeating: "<row/>", count: 2_000)
        let data = try TestWorkbook.zip([("xl/worksheets/sheet1.xml", big)])
        let honest = try WorkbookArchive(data, maximumPartSize: 1_000)
        #expect(throws: ContactFileError.self) { try honest.read("xl/worksheets/sheet1.xml") }
        // The same part with its sizes rewritten to claim 100 bytes: refused while it inflates.
        let lying = try WorkbookArchive(Self.claimingSize(100, in: data), maximumPartSize: 1_000)
        #expect(throws: ContactFileError.self) { try lying.read("xl/worksheets/sheet1.xml") }
        #expect(try WorkbookArchive(data).read("xl/worksheets/sheet1.xml")?.count == big.utf8.count)
    }

    /// Rewrites the uncompressed size in the local and central headers of a
    /// one-entry zip.
    static func claimingSize(_ size: UInt32, in zip: Data) -> Data {
        var bytes = [UInt8](zip)
        let sizeBytes = withUnsafeBytes(of: size.littleEndian, Array.init)
        for (signature, offset) in [([0x50, 0x4B, 0x03, 0x04] as [UInt8], 22), ([0x50, 0x4B, 0x01, 0x02], 24)] {
            guard let start = bytes.indices.first(where: { bytes[$0...].starts(with: signature) }) else { continue }
            bytes.replaceSubrange(start + offset..<start + offset + 4, with: sizeBytes)
        }
        return Data(bytes)
    }

    @Test("CSV in another encoding, UTF-16, an old .xls, or a workbook sent as CSV")
    func notUTF8() throws {
        let windows = Self.readError(try Fixture.data("windows-1252.csv"), .csv)
        #expect(windows?.reason.contains("not UTF-8") == true)
        #expect(windows?.reason.contains("CSV UTF-8") == true)
        let utf16 = Data([0xFF, 0xFE]) + "Name,Phone".data(using: .utf16LittleEndian)!
        #expect(Self.readError(utf16, .csv)?.reason.contains("UTF-16") == true)
        #expect(Self.readError(Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1]), .csv)?.reason.contains(".xls") == true)
        #expect(Self.readError(Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1]), .xlsx)?.reason.contains(".xls") == true)
        #expect(Self.readError(try Fixture.data("contacts.xlsx"), .csv)?.reason.contains("zip") == true)
    }

    @Test("an empty file, a header only, an unclosed quote")
    func emptyAndHeaderOnly() throws {
        #expect(Self.readError(Data(), .csv) != nil)
        #expect(Self.readError(Data(), .xlsx) != nil)
        #expect(Self.readError(Data("Name,Phone\r\n".utf8), .csv) != nil)
        #expect(Self.readError(try TestWorkbook.make(sheetData: TestWorkbook.row(1, ["Name", "Phone"])), .xlsx) != nil)
        #expect(Self.readError(try TestWorkbook.make(sheetData: ""), .xlsx) == ContactFileError("The file has no header row."))
        #expect(
            Self.readError(Data("Name,Phone\n\"Asha,98765\n".utf8), .csv)
                == ContactFileError("The quoted field that starts on row 2 is never closed (a \" is missing)."))
    }
}
