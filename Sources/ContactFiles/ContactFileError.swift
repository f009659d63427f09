/// Why a whole file cannot be imported (as opposed to one bad row, a
/// ``RowProblem``). The reason is written for the person who uploaded the file.
public struct ContactFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }

    public init(_ reason: String) {
        self.reason = reason
    }

    /// An OLE compound file: a binary .xls, or an .xlsx Excel encrypted with a password.
    static let legacyWorkbook = ContactFileError(
        "The file is an old Excel .xls workbook or a password-protected one. Save it as .xlsx without a password, or as CSV UTF-8.")

    /// Text in zero-based `column`, past the column limit.
    static func tooManyColumns(row: Int, column: Int) -> ContactFileError {
        ContactFileError(
            "Row \(row) has text in column \(CellReference.columnName(column)); the limit is \(ContactSheet.maximumColumns) columns.")
    }

    /// A workbook that cannot be read, with what is wrong with it.
    static func notAWorkbook(_ detail: String) -> ContactFileError {
        ContactFileError("The file is not a valid .xlsx workbook (\(detail)).")
    }
}
