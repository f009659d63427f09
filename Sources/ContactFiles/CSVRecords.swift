/// The records of CSV bytes, one at a time, numbered from 1 as a spreadsheet
/// would number its rows (a record with line breaks in quotes is one row).
struct CSVRecords {
    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int
    let delimiter: UInt8
    private var number = 0
    /// Reused for quoted fields, which must be copied to undo doubled quotes.
    private var unquoted: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>, position: Int, delimiter: UInt8) {
        self.bytes = bytes
        self.position = position
        self.delimiter = delimiter
    }

    mutating func next() throws(ContactFileError) -> (number: Int, cells: [String])? {
        guard position < bytes.count else { return nil }
        number += 1
        var cells: [String] = []
        while true {
            let value = try field()
            if cells.count < ContactSheet.maximumColumns {
                cells.append(value)
            } else if !value.isBlank {
                // Stored no further: a line of a million commas must not become a million cells.
                throw ContactFileError.tooManyColumns(row: number, column: cells.count)
            }
            guard position < bytes.count else { return (number, cells) }
            let byte = bytes[position]
            position += 1
            if byte == delimiter {
                if position == bytes.count { return (number, cells) }  // "a,b," at the very end
                continue
            }
            if byte == CSVReader.cr, position < bytes.count, bytes[position] == CSVReader.lf { position += 1 }
            return (number, cells)
        }
    }

    /// One field; `position` is left on the delimiter or line break after it.
    private mutating func field() throws(ContactFileError) -> String {
        let start = position
        var opening = position
        // Spaces before an opening quote (`a, "b"`) are a common slip; skip them.
        while opening < bytes.count, bytes[opening] == CSVReader.space { opening += 1 }
        guard opening < bytes.count, bytes[opening] == CSVReader.quote else {
            while position < bytes.count {
                let byte = bytes[position]
                if byte == delimiter || byte == CSVReader.lf || byte == CSVReader.cr { break }
                position += 1
            }
            return try CSVEncoding.text(UnsafeBufferPointer(rebasing: bytes[start..<position]), row: number)
        }
        position = opening + 1
        unquoted.removeAll(keepingCapacity: true)
        while true {
            guard position < bytes.count else {
                throw ContactFileError("The quoted field that starts on row \(number) is never closed (a \" is missing).")
            }
            let byte = bytes[position]
            position += 1
            if byte == CSVReader.quote {
                guard position < bytes.count, bytes[position] == CSVReader.quote else { break }
                position += 1
            }
            unquoted.append(byte)
        }
        // Text after the closing quote (`"a"b`) is kept, as spreadsheets do.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == delimiter || byte == CSVReader.lf || byte == CSVReader.cr { break }
            unquoted.append(byte)
            position += 1
        }
        let row = number
        return try unquoted.withUnsafeBufferPointer { buffer throws(ContactFileError) in try CSVEncoding.text(buffer, row: row) }
    }
}
