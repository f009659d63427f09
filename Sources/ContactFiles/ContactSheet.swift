/// A spreadsheet's first sheet as text: the header row, then every data row
/// after it up to the last one with any text (blank rows in between are kept,
/// empty, so that they can be counted).
public struct ContactSheet: Sendable, Equatable {
    public let header: [String]
    public let rows: [SheetRow]

    public init(header: [String], rows: [SheetRow]) {
        self.header = header
        self.rows = rows
    }

    /// Data rows an import takes (the header not counted).
    public static let maximumRows = 200_000
    /// Columns an import takes.
    public static let maximumColumns = 200
}
