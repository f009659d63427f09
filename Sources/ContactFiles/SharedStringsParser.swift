import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `xl/sharedStrings.xml`: each `<si>`'s text, rich-text runs joined, phonetic
/// guides (`<rPh>`) left out.
final class SharedStringsParser: NSObject, XMLParserDelegate {
    private var strings: [String] = []
    private var current = ""
    private var inText = false
    private var inPhonetic = false

    static func parse(_ data: Data) throws(ContactFileError) -> [String] {
        let collector = SharedStringsParser()
        // A stream, not `XMLParser(data:)`: libxml2 refuses a whole part over about
        // 10 MB handed over as one chunk (a 100,000-row sheet is 20 MB).
        let parser = XMLParser(stream: InputStream(data: data))
        parser.delegate = collector
        guard parser.parse() else { throw ContactFileError("The file is not a valid .xlsx workbook (its shared strings are malformed).") }
        return collector.strings
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch name {
        case "si": current = ""
        case "t": inText = !inPhonetic
        case "rPh": inPhonetic = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "si": strings.append(current)
        case "t": inText = false
        case "rPh": inPhonetic = false
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { current += string }
    }
}
