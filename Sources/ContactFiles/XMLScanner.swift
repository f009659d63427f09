/// A small pull tokenizer for the two large parts of a workbook (the worksheet
/// and its shared strings). Foundation's `XMLParser` on Linux takes seconds over
/// a 100,000-row sheet, and it refuses a document over 10 MB passed as `Data`;
/// these parts use only elements, attributes, text, entities and CDATA, which
/// this reads in one pass over the bytes.
///
/// Names are matched by local name (`x:row` is `row`), as some writers prefix
/// SpreadsheetML. A DOCTYPE is refused: Excel never writes one, and entity
/// declarations are how XML bombs work.
struct XMLScanner {
    enum Token {
        case start(name: Range<Int>, attributes: Range<Int>, isEmpty: Bool)
        case end(name: Range<Int>)
        /// Character data, entities not yet decoded.
        case text(Range<Int>)
        /// A CDATA section's contents, to be taken as they are.
        case cdata(Range<Int>)
    }

    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position = 0
    private let part: String

    init(_ bytes: UnsafeBufferPointer<UInt8>, part: String) {
        self.bytes = bytes
        self.part = part
    }

    mutating func next() throws(ContactFileError) -> Token? {
        while position < bytes.count {
            let start = position
            guard bytes[position] == UInt8(ascii: "<") else {
                position = find(UInt8(ascii: "<"), from: position) ?? bytes.count
                return .text(start..<position)
            }
            guard position + 1 < bytes.count else { throw malformed() }
            switch bytes[position + 1] {
            case UInt8(ascii: "/"):
                guard let close = find(UInt8(ascii: ">"), from: position) else { throw malformed() }
                position = close + 1
                return .end(name: localName(start + 2..<close))
            case UInt8(ascii: "?"):
                try skip(past: "?>")  // the XML declaration, processing instructions
            case UInt8(ascii: "!"):
                if has("<!--", at: start) {
                    try skip(past: "-->")
                } else if has("<![CDATA[", at: start) {
                    try skip(past: "]]>")
                    return .cdata(start + 9..<position - 3)
                } else {
                    throw ContactFileError.notAWorkbook("\(part) declares a DOCTYPE, which a workbook never has")
                }
            default:
                return try startTag(from: start)
            }
        }
        return nil
    }

    private mutating func startTag(from start: Int) throws(ContactFileError) -> Token {
        var index = start + 1
        while index < bytes.count, !Self.endsName(bytes[index]) { index += 1 }
        let name = localName(start + 1..<index)
        let attributesStart = index
        var quote: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if quote != 0 {
                if byte == quote { quote = 0 }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                break
            }
            index += 1
        }
        guard index < bytes.count, !name.isEmpty else { throw malformed() }
        let isEmpty = bytes[index - 1] == UInt8(ascii: "/")
        position = index + 1
        return .start(name: name, attributes: attributesStart..<(isEmpty ? index - 1 : index), isEmpty: isEmpty)
    }

    /// The value of attribute `name` (matched in full, prefix included) in a
    /// start tag's attribute range, entities not decoded.
    func attribute(_ name: StaticString, in range: Range<Int>) -> Range<Int>? {
        var index = range.lowerBound
        while index < range.upperBound {
            while index < range.upperBound, Self.isSpace(bytes[index]) { index += 1 }
            let nameStart = index
            while index < range.upperBound, bytes[index] != UInt8(ascii: "="), !Self.isSpace(bytes[index]) { index += 1 }
            let nameEnd = index
            while index < range.upperBound, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "'") { index += 1 }
            guard index < range.upperBound else { return nil }
            let quote = bytes[index]
            let valueStart = index + 1
            index = valueStart
            while index < range.upperBound, bytes[index] != quote { index += 1 }
            if matches(nameStart..<nameEnd, name) { return valueStart..<min(index, range.upperBound) }
            index += 1
        }
        return nil
    }

    /// Whether the bytes in `range` are `name`.
    func matches(_ range: Range<Int>, _ name: StaticString) -> Bool {
        guard range.count == name.utf8CodeUnitCount else { return false }
        let expected = name.utf8Start
        for offset in 0..<range.count where bytes[range.lowerBound + offset] != expected[offset] { return false }
        return true
    }

    private func localName(_ range: Range<Int>) -> Range<Int> {
        var end = range.lowerBound
        while end < range.upperBound, !Self.endsName(bytes[end]) { end += 1 }
        var start = range.lowerBound
        for index in range.lowerBound..<end where bytes[index] == UInt8(ascii: ":") { start = index + 1 }
        return start..<end
    }

    private func find(_ byte: UInt8, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == byte { return index }
            index += 1
        }
        return nil
    }

    private func has(_ text: StaticString, at index: Int) -> Bool {
        index + text.utf8CodeUnitCount <= bytes.count && matches(index..<index + text.utf8CodeUnitCount, text)
    }

    private mutating func skip(past terminator: StaticString) throws(ContactFileError) {
        let first = terminator.utf8Start[0]
        var index = position + 2
        while let candidate = find(first, from: index) {
            if has(terminator, at: candidate) {
                position = candidate + terminator.utf8CodeUnitCount
                return
            }
            index = candidate + 1
        }
        throw malformed()
    }

    private func malformed() -> ContactFileError {
        ContactFileError.notAWorkbook("\(part) is not well-formed XML")
    }

    private static func endsName(_ byte: UInt8) -> Bool {
        isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/")
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
