import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A worksheet's rows: `<row r>` numbers, `<c r t>` cells placed by their column
/// letters (gaps are empty cells), values by type (shared string, inline string,
/// formula string, boolean, number; an integral number in scientific notation, the
/// way phone numbers are often stored, is written out in full).
final class WorksheetParser: NSObject, XMLParserDelegate {
    private let sharedStrings: [String]
    private var rows: [SheetRow] = []
    private var cells: [String] = []
    private var rowNumber = 0
    private var column = 0
    private var cellType = "n"
    private var value = ""
    private var inValue = false
    private var failure: ContactFileError?

    private init(sharedStrings: [String]) {
        self.sharedStrings = sharedStrings
    }

    static func parse(_ data: Data, sharedStrings: [String]) throws(ContactFileError) -> [SheetRow] {
        let collector = WorksheetParser(sharedStrings: sharedStrings)
        // A stream, not `XMLParser(data:)`: libxml2 refuses a whole part over about
        // 10 MB handed over as one chunk (a 100,000-row sheet is 20 MB).
        let parser = XMLParser(stream: InputStream(data: data))
        parser.delegate = collector
        let parsed = parser.parse()
        if let failure = collector.failure { throw failure }
        guard parsed else { throw ContactFileError("The file is not a valid .xlsx workbook (its worksheet XML is malformed).") }
        return collector.rows
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch name {
        case "row":
            rowNumber = attributes["r"].flatMap(Int.init) ?? rowNumber + 1
            cells = []
            column = 0
        case "c":
            cellType = attributes["t"] ?? "n"
            column = attributes["r"].flatMap(Self.columnIndex) ?? column
            value = ""
        case "v", "t":
            inValue = true
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v", "t":
            inValue = false
        case "c":
            guard column < ContactSheet.maximumColumns else {
                failure = ContactFileError("The file has more than \(ContactSheet.maximumColumns) columns.")
                parser.abortParsing()
                return
            }
            while cells.count < column { cells.append("") }
            cells.append(text())
            column += 1
        case "row":
            rows.append(SheetRow(number: rowNumber, cells: cells))
            if rows.count > ContactSheet.maximumRows + 1 {
                failure = ContactFileError("The file has more than \(ContactSheet.maximumRows) rows; the limit is \(ContactSheet.maximumRows).")
                parser.abortParsing()
            }
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inValue { value += string }
    }

    private func text() -> String {
        switch cellType {
        case "s": return Int(value).flatMap { $0 < sharedStrings.count ? sharedStrings[$0] : nil } ?? ""
        case "b": return value == "1" ? "TRUE" : "FALSE"
        case "n":
            if let expanded = PhoneNumber.expandScientific(value) { return expanded }
            if value.hasSuffix(".0") { return String(value.dropLast(2)) }
            return value
        default: return value  // inlineStr, str, e
        }
    }

    /// "C5" → 2; nil when the reference has no column letters.
    static func columnIndex(_ reference: String) -> Int? {
        var index = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard scalar.value >= 65, scalar.value <= 90 else { break }
            index = index * 26 + Int(scalar.value - 64)
            letters += 1
        }
        return letters == 0 ? nil : index - 1
    }
}
