import Foundation

/// Reads the first worksheet of an .xlsx workbook. The sheet is found as Excel
/// finds it: the package's relationships name the workbook, the workbook lists
/// its sheets in tab order, and the workbook's relationships name each sheet's
/// part. The small parts go through Foundation's `XMLParser`; the worksheet and
/// shared strings, which grow with the rows, through ``XMLScanner``.
enum WorkbookReader {
    static func read(_ data: Data, into collector: inout SheetCollector) throws(ContactFileError) {
        let archive = try WorkbookArchive(data)
        let workbookPath = try officeDocument(in: archive) ?? "xl/workbook.xml"
        guard let workbookBytes = try archive.read(workbookPath) else {
            throw ContactFileError.notAWorkbook("it has no \(workbookPath)")
        }
        let workbook = try XMLElements(workbookBytes, part: workbookPath)
        let relationships = try WorkbookRelationships(archive, of: workbookPath)
        // A workbook without relationships is broken, but its sheet is where Excel puts it.
        guard let sheetPath = firstSheet(of: workbook, relationships) ?? (relationships.isEmpty ? "xl/worksheets/sheet1.xml" : nil) else {
            throw ContactFileError.notAWorkbook("no worksheet found")
        }
        guard let sheetBytes = try archive.read(sheetPath) else { throw ContactFileError.notAWorkbook("no worksheet found") }

        var sharedStrings: [String] = []
        let sharedPath = relationships.target(ofType: "sharedStrings") ?? "xl/sharedStrings.xml"
        if let bytes = try archive.read(sharedPath) { sharedStrings = try SharedStringsReader.read(bytes, part: sharedPath) }
        var styles = CellStyles()
        if let stylesPath = relationships.target(ofType: "styles"), let bytes = try archive.read(stylesPath) {
            styles = try CellStyles(XMLElements(bytes, part: stylesPath))
        }
        styles.uses1904Dates = workbook.named("workbookPr").contains {
            $0.attributes["date1904"] == "1" || $0.attributes["date1904"] == "true"
        }
        var reader = WorksheetReader(part: sheetPath, sharedStrings: sharedStrings, styles: styles)
        try reader.read(sheetBytes, into: &collector)
    }

    /// The workbook part named by the package's relationships (`_rels/.rels`).
    static func officeDocument(in archive: WorkbookArchive) throws(ContactFileError) -> String? {
        guard let bytes = try archive.read("_rels/.rels") else { return nil }
        let package = WorkbookRelationships(try XMLElements(bytes, part: "_rels/.rels"), base: "")
        return package.target(ofType: "officeDocument")
    }

    /// The part of the first worksheet in tab order, skipping hidden sheets and
    /// chart sheets, or the first worksheet if every one is hidden.
    static func firstSheet(of workbook: XMLElements, _ relationships: WorkbookRelationships) -> String? {
        var first: String?
        for sheet in workbook.named("sheet") {
            guard let id = sheet.attributes.first(where: { $0.key == "id" || $0.key.hasSuffix(":id") })?.value,
                let path = relationships.target(id: id, ofType: "worksheet")
            else { continue }
            let state = sheet.attributes["state"] ?? "visible"
            if state == "visible" { return path }
            first = first ?? path
        }
        return first
    }
}
