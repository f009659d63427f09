/// One row of a spreadsheet as text, numbered as the spreadsheet numbers it.
public struct SheetRow: Sendable, Equatable {
    /// The row number a person sees in the spreadsheet: in a CSV the first record
    /// is row 1; in a workbook, the row's `r` attribute.
    public let number: Int
    /// The cells from column A on, untrimmed; missing cells are absent or empty.
    public let cells: [String]

    public init(number: Int, cells: [String]) {
        self.number = number
        self.cells = cells
    }
}
