/// `xl/sharedStrings.xml`: the text of each `<si>`, its rich-text runs
/// (`<r><t>`) joined and its phonetic guides (`<rPh>`) left out.
enum SharedStringsReader {
    static func read(_ bytes: [UInt8], part: String) throws(ContactFileError) -> [String] {
        try bytes.withBytes { buffer throws(ContactFileError) in
            var scanner = XMLScanner(buffer, part: part)
            var strings: [String] = []
            var text: [UInt8] = []
            var inItem = false
            var inText = false
            var phonetic = 0
            while let token = try scanner.next() {
                switch token {
                case .start(let name, _, let isEmpty):
                    if scanner.matches(name, "si") {
                        text.removeAll(keepingCapacity: true)
                        inItem = !isEmpty
                        if isEmpty { strings.append("") }
                    } else if scanner.matches(name, "t") {
                        inText = inItem && phonetic == 0 && !isEmpty
                    } else if scanner.matches(name, "rPh"), !isEmpty {
                        phonetic += 1
                    }
                case .end(let name):
                    if scanner.matches(name, "si") {
                        strings.append(String(decoding: text, as: UTF8.self))
                        inItem = false
                    } else if scanner.matches(name, "t") {
                        inText = false
                    } else if scanner.matches(name, "rPh") {
                        phonetic = max(0, phonetic - 1)
                    }
                case .text(let range):
                    if inText { XMLText.append(buffer, range, to: &text, excelEscapes: true) }
                case .cdata(let range):
                    if inText { text.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[range])) }
                }
            }
            return strings
        }
    }
}
