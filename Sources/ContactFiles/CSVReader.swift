import Foundation

/// RFC 4180 CSV over the raw bytes (quoted fields, doubled quotes, line breaks in
/// quotes, CRLF or LF), UTF-8 with or without a byte-order mark. The delimiter is a
/// comma, or a semicolon or tab when the header line has those and no comma.
enum CSVReader {
    static func read(_ data: Data) throws(ContactFileError) -> [SheetRow] {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard !bytes.isEmpty else { throw ContactFileError("The file is empty.") }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw ContactFileError("The file is not UTF-8 text. Save it as \"CSV UTF-8\" and upload it again.")
        }
        let delimiter = Self.delimiter(bytes)
        var rows: [SheetRow] = []
        var row: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var line = 1
        var rowLine = 1
        var index = 0
        let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        func endField() {
            row.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        func endRow() {
            endField()
            rows.append(SheetRow(number: rows.count + 1, cells: row))
            row.removeAll(keepingCapacity: true)
            rowLine = line
        }
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == quote {
                    if index + 1 < bytes.count, bytes[index + 1] == quote {
                        field.append(quote)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    if byte == lf { line += 1 }
                    field.append(byte)
                }
            } else if byte == quote, field.isEmpty {
                quoted = true
            } else if byte == delimiter {
                endField()
            } else if byte == cr || byte == lf {
                if byte == cr, index + 1 < bytes.count, bytes[index + 1] == lf { index += 1 }
                line += 1
                endRow()
                if rows.count > ContactSheet.maximumRows + 1 {
                    throw ContactFileError("The file has more than \(ContactSheet.maximumRows) rows; the limit is \(ContactSheet.maximumRows).")
                }
            } else {
                field.append(byte)
            }
            index += 1
        }
        if quoted { throw ContactFileError("A quoted field that starts on line \(rowLine) is never closed.") }
        if !field.isEmpty || !row.isEmpty { endRow() }
        return rows
    }

    /// Comma, unless the first line has none and has semicolons or tabs.
    static func delimiter(_ bytes: [UInt8]) -> UInt8 {
        let firstLine = bytes.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        if firstLine.contains(UInt8(ascii: ",")) { return UInt8(ascii: ",") }
        if firstLine.contains(UInt8(ascii: ";")) { return UInt8(ascii: ";") }
        if firstLine.contains(UInt8(ascii: "\t")) { return UInt8(ascii: "\t") }
        return UInt8(ascii: ",")
    }
}
