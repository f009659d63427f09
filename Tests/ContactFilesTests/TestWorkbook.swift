import Foundation
import ZIPFoundation

/// Builds .xlsx files in memory with ZIPFoundation, part by part, for the shapes
/// the fixture libraries do not write (scientific numbers, prefixed elements,
/// sheets under other part names, broken parts).
enum TestWorkbook {
    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    /// A zip of these parts, deflated.
    static func zip(_ parts: [(String, String)]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) {
                position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return data
    }

    /// A workbook whose one sheet (relationship rId7) is at `xl/<sheetPath>`, with
    /// `sheetData` as its rows and optional shared strings.
    static func make(sheetData: String, sharedStrings: String? = nil, sheetPath: String = "worksheets/data.xml") throws -> Data {
        var parts = [
            (
                "xl/workbook.xml",
                #"<?xml version="1.0"?><workbook xmlns="\#(main)" xmlns:r="\#(relationships)"><sheets><sheet name="Leads" sheetId="1" r:id="rId7"/></sheets></workbook>"#
            ),
            (
                "xl/_rels/workbook.xml.rels",
                #"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="\#(relationships)/worksheet" Target="\#(sheetPath)"/><Relationship Id="rId8" Type="\#(relationships)/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
            ),
            ("xl/" + sheetPath, #"<?xml version="1.0"?><worksheet xmlns="\#(main)"><sheetData>\#(sheetData)</sheetData></worksheet>"#),
        ]
        if let sharedStrings {
            parts.append(("xl/sharedStrings.xml", #"<?xml version="1.0"?><sst xmlns="\#(main)">\#(sharedStrings)</sst>"#))
        }
        return try zip(parts)
    }

    /// A row of inline strings.
    static func row(_ number: Int, _ values: [String]) -> String {
        let cells = values.enumerated().map { column, value in
            #"<c r="\#(Character(UnicodeScalar(UInt8(65 + column))))\#(number)" t="inlineStr"><is><t>\#(value)</t></is></c>"#
        }
        return #"<row r="\#(number)">\#(cells.joined())</row>"#
    }
}
