import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads the first worksheet of an .xlsx workbook: a zip (ZIPFoundation) of XML
/// parts (Foundation's XMLParser). The sheet is found through the workbook and its
/// relationships; cells come from shared strings, inline strings or values.
enum WorkbookReader {
    /// A part larger than this when inflated is refused (a zip bomb, or no contact list).
    static let maximumPartSize: UInt64 = 200 << 20

    static func read(_ data: Data) throws(ContactFileError) -> [SheetRow] {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw ContactFileError("The file is not a valid .xlsx workbook (it is not a readable zip archive).")
        }
        guard let workbook = try part("xl/workbook.xml", in: archive) else {
            throw ContactFileError("The file is not a valid .xlsx workbook (no xl/workbook.xml).")
        }
        let sheetPath = try firstSheetPath(workbook: workbook, archive: archive)
        guard let sheet = try part(sheetPath, in: archive) else {
            throw ContactFileError("The file is not a valid .xlsx workbook (no worksheet found).")
        }
        var sharedStrings: [String] = []
        if let strings = try part("xl/sharedStrings.xml", in: archive) { sharedStrings = try SharedStringsParser.parse(strings) }
        return try WorksheetParser.parse(sheet, sharedStrings: sharedStrings)
    }

    /// The first `<sheet>` of the workbook, through `xl/_rels/workbook.xml.rels`.
    static func firstSheetPath(workbook: Data, archive: Archive) throws(ContactFileError) -> String {
        let fallback = "xl/worksheets/sheet1.xml"
        let sheets = try XMLAttributes.collect(workbook, element: "sheet")
        guard let relationship = sheets.first?.first(where: { $0.key == "r:id" || $0.key.hasSuffix(":id") })?.value,
            let rels = try part("xl/_rels/workbook.xml.rels", in: archive)
        else { return fallback }
        let relationships = try XMLAttributes.collect(rels, element: "Relationship")
        guard let target = relationships.first(where: { $0["Id"] == relationship })?["Target"] else { return fallback }
        return target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
    }

    /// The inflated bytes of `path`, nil when the archive has no such part.
    static func part(_ path: String, in archive: Archive) throws(ContactFileError) -> Data? {
        guard let entry = archive[path] else { return nil }
        guard entry.uncompressedSize <= maximumPartSize else {
            throw ContactFileError("The workbook's \(path) is larger than \(maximumPartSize >> 20) MiB when uncompressed.")
        }
        var data = Data()
        data.reserveCapacity(Int(entry.uncompressedSize))
        do {
            _ = try archive.extract(entry) { chunk in
                data.append(chunk)
                if data.count > Int(maximumPartSize) { throw ContactFileError("The workbook's \(path) is too large.") }
            }
        } catch let error as ContactFileError {
            throw error
        } catch {
            throw ContactFileError("The file is not a valid .xlsx workbook (\(path) cannot be read: it is damaged or truncated).")
        }
        return data
    }
}

/// The attributes of every `element` in an XML document.
final class XMLAttributes: NSObject, XMLParserDelegate {
    private let element: String
    private var found: [[String: String]] = []

    private init(element: String) {
        self.element = element
    }

    static func collect(_ data: Data, element: String) throws(ContactFileError) -> [[String: String]] {
        let collector = XMLAttributes(element: element)
        // A stream, not `XMLParser(data:)`: libxml2 refuses a whole part over about
        // 10 MB handed over as one chunk (a 100,000-row sheet is 20 MB).
        let parser = XMLParser(stream: InputStream(data: data))
        parser.delegate = collector
        guard parser.parse() else { throw ContactFileError("The file is not a valid .xlsx workbook (its XML is malformed).") }
        return collector.found
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if name == element || name.hasSuffix(":" + element) { found.append(attributes) }
    }
}
