/// Gathers the rows a reader finds into a ``ContactSheet``, the same way for CSV
/// and workbooks so that both give the same sheet for the same data:
///
/// - the header is the first row with any text (title or blank rows above it are
///   ignored, as a person would);
/// - a row whose cells are all blank is kept empty, and so is a row number a
///   workbook skips (Excel writes no `<row>` for an empty row, where its CSV
///   export writes `,,,`); both count as blank rows;
/// - blank rows after the last row with text are dropped: spreadsheets often
///   carry formatted but empty rows at the end, which are no part of the data;
/// - trailing empty cells are dropped, so that styled but empty columns far to
///   the right do not count against the column limit.
struct SheetCollector {
    private var header: [String]?
    private var headerNumber = 0
    private var rows: [SheetRow] = []
    /// The number of the last row with text (the header's until a data row comes).
    private var lastNumber = 0
    /// Data rows up to the last with text, counted on past the limit so that the
    /// error can say how many there are.
    private var dataRows = 0

    /// Takes row `number` (rows must come in increasing order; one that does not
    /// is placed after the previous). Throws when a cell with text is beyond the
    /// column limit.
    mutating func add(number: Int, cells: [String]) throws(ContactFileError) {
        guard let last = cells.lastIndex(where: { !$0.isBlank }) else { return }
        guard last < ContactSheet.maximumColumns else {
            throw ContactFileError.tooManyColumns(row: number, column: last)
        }
        let trimmed = last + 1 == cells.count ? cells : Array(cells[...last])
        guard header != nil else {
            header = trimmed
            headerNumber = number
            lastNumber = number
            return
        }
        let number = max(number, lastNumber + 1)
        dataRows = number - headerNumber
        if dataRows <= ContactSheet.maximumRows {
            for blank in (lastNumber + 1)..<number { rows.append(SheetRow(number: blank, cells: [])) }
            rows.append(SheetRow(number: number, cells: trimmed))
        }
        lastNumber = number
    }

    /// The sheet, or why there is none.
    func sheet() throws(ContactFileError) -> ContactSheet {
        guard let header else { throw ContactFileError("The file has no header row.") }
        guard dataRows > 0 else { throw ContactFileError("The file has a header row but no rows of contacts under it.") }
        guard dataRows <= ContactSheet.maximumRows else {
            throw ContactFileError("The file has \(dataRows) rows; the limit is \(ContactSheet.maximumRows).")
        }
        return ContactSheet(header: header, rows: rows)
    }
}
