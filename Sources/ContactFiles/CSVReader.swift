import Foundation

/// RFC 4180 CSV, read as bytes: quoted fields with doubled quotes and line
/// breaks inside, CRLF or LF (or a lone CR) between records, UTF-8 with or
/// without a byte-order mark. The delimiter is a comma, or a semicolon or tab
/// when the header line has no comma (Excel's CSV in much of Europe, and its
/// "Text (Tab delimited)").
///
/// Works on bytes rather than `Character`s: grapheme breaking costs far more
/// than the parse, and every byte that matters here is ASCII.
enum CSVReader {
    static let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), space = UInt8(ascii: " ")

    static func read(_ data: Data, into collector: inout SheetCollector) throws(ContactFileError) {
        let bytes = [UInt8](data)
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        try CSVEncoding.check(bytes, textStart: start)
        let delimiter = Self.delimiter(bytes, from: start)
        let result: Result<Void, ContactFileError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(ContactFileError) {
                var records = CSVRecords(bytes: buffer, position: start, delimiter: delimiter)
                while let record = try records.next() {
                    try collector.add(number: record.number, cells: record.cells)
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// A comma, unless the first line has none: then a semicolon or a tab,
    /// whichever it has more of.
    static func delimiter(_ bytes: [UInt8], from start: Int) -> UInt8 {
        var counts: [UInt8: Int] = [:]
        var quoted = false
        for byte in bytes[start...] {
            if byte == quote {
                quoted.toggle()
            } else if !quoted {
                if byte == cr || byte == lf { break }
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "\t") { counts[byte, default: 0] += 1 }
            }
        }
        if counts[UInt8(ascii: ","), default: 0] > 0 { return UInt8(ascii: ",") }
        let semicolons = counts[UInt8(ascii: ";"), default: 0], tabs = counts[UInt8(ascii: "\t"), default: 0]
        if tabs > semicolons { return UInt8(ascii: "\t") }
        return semicolons > 0 ? UInt8(ascii: ";") : UInt8(ascii: ",")
    }
}
