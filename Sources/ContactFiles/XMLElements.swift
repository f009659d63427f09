import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The elements of a small XML part (the workbook, its relationships, its
/// styles), read with Foundation's `XMLParser`: each element's local name, its
/// parent's, and its attributes.
struct XMLElements {
    struct Element {
        let name: String
        let parent: String
        let attributes: [String: String]
    }

    let elements: [Element]

    /// Throws when the part is not well-formed XML, or declares a DOCTYPE (a
    /// workbook never has one, and entity declarations are how XML bombs and
    /// external-entity reads work).
    init(_ bytes: [UInt8], part: String) throws(ContactFileError) {
        if Self.hasDocumentType(bytes) {
            throw ContactFileError.notAWorkbook("\(part) declares a DOCTYPE, which a workbook never has")
        }
        let collector = Collector()
        // A stream, not `XMLParser(data:)`: on Linux that hands libxml2 the whole
        // document at once, which it refuses past 10 MB.
        let parser = XMLParser(stream: InputStream(data: Data(bytes)))
        parser.delegate = collector
        guard parser.parse(), parser.parserError == nil else {
            throw ContactFileError.notAWorkbook("\(part) is not well-formed XML")
        }
        elements = collector.elements
    }

    /// A part with no elements, for one that is missing.
    static let empty = XMLElements(elements: [])

    private init(elements: [Element]) {
        self.elements = elements
    }

    /// The elements called `name`, in document order.
    func named(_ name: String) -> [Element] { elements.filter { $0.name == name } }

    static func hasDocumentType(_ bytes: [UInt8]) -> Bool {
        let marker = Array("<!DOCTYPE".utf8), entity = Array("<!ENTITY".utf8)
        var index = bytes.startIndex
        while let open = bytes[index...].firstIndex(of: UInt8(ascii: "<")) {
            let rest = bytes[open...]
            if rest.starts(with: marker) || rest.starts(with: entity) { return true }
            index = open + 1
        }
        return false
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        private var open: [String] = []

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let local = String(name.split(separator: ":").last ?? "")
            elements.append(Element(name: local, parent: open.last ?? "", attributes: attributes))
            open.append(local)
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            _ = open.popLast()
        }
    }
}
