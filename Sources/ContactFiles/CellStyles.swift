/// Which cell styles show a number as a date or time (from `xl/styles.xml`), so
/// that a date column reads "2024-01-15", as it does in Excel and in its CSV,
/// rather than the serial number 45306 that the sheet stores.
struct CellStyles {
    /// By style index (a cell's `s`): how its number is shown, nil for a plain number.
    private var kinds: [ExcelDate.Kind?] = []
    /// The workbook counts days from 1904 (old Mac Excel) rather than 1900.
    var uses1904Dates = false

    init() {}

    init(_ styles: XMLElements) {
        var custom: [Int: ExcelDate.Kind?] = [:]
        for format in styles.named("numFmt") {
            guard let id = format.attributes["numFmtId"].flatMap(Int.init), let code = format.attributes["formatCode"] else { continue }
            custom[id] = ExcelDate.Kind(formatCode: code)
        }
        kinds = styles.elements.filter { $0.name == "xf" && $0.parent == "cellXfs" }.map { style in
            let id = style.attributes["numFmtId"].flatMap(Int.init) ?? 0
            return custom[id] ?? ExcelDate.Kind(builtInFormat: id)
        }
    }

    /// The cell's number as a date or time when its style shows it as one.
    func dateText(_ value: [UInt8], style: Int) -> String? {
        guard kinds.indices.contains(style), let kind = kinds[style],
            let serial = Double(String(decoding: value, as: UTF8.self))
        else { return nil }
        return ExcelDate.text(serial: serial, kind: kind, uses1904: uses1904Dates)
    }
}
