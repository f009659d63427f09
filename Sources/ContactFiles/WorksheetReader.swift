/// A worksheet part's rows as text. Rows are numbered by their `r` attribute
/// and cells placed by their reference (`r="C5"`: skipped cells are empty);
/// values are read by cell type: shared string, inline string, formula string,
/// boolean, or number (whole numbers written out in full, dates as dates).
struct WorksheetReader {
    private let part: String
    private let sharedStrings: [String]
    private let styles: CellStyles
    private var row = 0
    private var cells: [String] = []
    private var column = 0
    private var kind = CellKind.number
    private var style = 0
    private var value: [UInt8] = []
    private var capturing = false
    private var inInlineString = false
    private var phonetic = 0

    init(part: String, sharedStrings: [String], styles: CellStyles) {
        self.part = part
        self.sharedStrings = sharedStrings
        self.styles = styles
    }

    mutating func read(_ bytes: [UInt8], into collector: inout SheetCollector) throws(ContactFileError) {
        try bytes.withBytes { buffer throws(ContactFileError) in
            var scanner = XMLScanner(buffer, part: part)
            while let token = try scanner.next() {
                switch token {
                case .start(let name, let attributes, let isEmpty):
                    if scanner.matches(name, "c") {
                        startCell(scanner, attributes)
                        if isEmpty { try endCell() }
                    } else if scanner.matches(name, "v") {
                        capturing = !isEmpty
                    } else if scanner.matches(name, "row") {
                        startRow(scanner, attributes)
                        if isEmpty { try collector.add(number: row, cells: cells) }
                    } else if scanner.matches(name, "is") {
                        inInlineString = !isEmpty
                    } else if scanner.matches(name, "t") {
                        capturing = inInlineString && phonetic == 0 && !isEmpty
                    } else if scanner.matches(name, "rPh"), !isEmpty {
                        phonetic += 1
                    } else if scanner.matches(name, "sheetData"), isEmpty {
                        return
                    }
                case .end(let name):
                    if scanner.matches(name, "v") || scanner.matches(name, "t") {
                        capturing = false
                    } else if scanner.matches(name, "c") {
                        try endCell()
                    } else if scanner.matches(name, "row") {
                        try collector.add(number: row, cells: cells)
                    } else if scanner.matches(name, "is") {
                        inInlineString = false
                    } else if scanner.matches(name, "rPh") {
                        phonetic = max(0, phonetic - 1)
                    } else if scanner.matches(name, "sheetData") {
                        return  // the rest of the part is page setup, merges and the like
                    }
                case .text(let range):
                    if capturing { XMLText.append(buffer, range, to: &value, excelEscapes: kind.isText) }
                case .cdata(let range):
                    if capturing { value.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[range])) }
                }
            }
            // The end of the part came before the end of its rows.
            throw ContactFileError.notAWorkbook("\(part) is cut off or not well-formed XML")
        }
    }

    private mutating func startRow(_ scanner: XMLScanner, _ attributes: Range<Int>) {
        row = scanner.attribute("r", in: attributes).flatMap { scanner.bytes[$0].asciiInteger } ?? row + 1
        cells = []
        column = 0
    }

    private mutating func startCell(_ scanner: XMLScanner, _ attributes: Range<Int>) {
        if let reference = scanner.attribute("r", in: attributes),
            let index = CellReference.columnIndex(UnsafeBufferPointer(rebasing: scanner.bytes[reference]))
        {
            column = index
        }
        kind = scanner.attribute("t", in: attributes).map { CellKind(UnsafeBufferPointer(rebasing: scanner.bytes[$0])) } ?? .number
        style = scanner.attribute("s", in: attributes).flatMap { scanner.bytes[$0].asciiInteger } ?? 0
        value.removeAll(keepingCapacity: true)
        capturing = false
        inInlineString = false
        phonetic = 0
    }

    private mutating func endCell() throws(ContactFileError) {
        defer { column += 1 }
        guard !value.isEmpty else { return }
        guard column < ContactSheet.maximumColumns else {
            throw ContactFileError.tooManyColumns(row: row, column: column)
        }
        let text = try self.text()
        if column < cells.count {
            cells[column] = text
        } else {
            if column > cells.count { cells.append(contentsOf: repeatElement("", count: column - cells.count)) }
            cells.append(text)
        }
    }

    private func text() throws(ContactFileError) -> String {
        switch kind {
        case .shared:
            guard let index = value.asciiInteger, sharedStrings.indices.contains(index) else {
                throw ContactFileError.notAWorkbook(
                    "cell \(CellReference.columnName(column))\(row) refers to a shared string the workbook does not have")
            }
            return sharedStrings[index]
        case .boolean:
            return value == [UInt8(ascii: "1")] ? "TRUE" : "FALSE"
        case .number:
            if let date = styles.dateText(value, style: style) { return date }
            return SpreadsheetNumber.cellText(value)
        case .text:
            return String(decoding: value, as: UTF8.self)
        }
    }
}
