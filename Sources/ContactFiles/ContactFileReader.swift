import Foundation

/// Reads an uploaded file into a ``ContactSheet``: the first sheet of a
/// workbook, or a CSV.
public enum ContactFileReader {
    /// Throws ``ContactFileError`` when the file cannot be read at all, has no
    /// header row, or is over the row or column limits.
    public static func read(_ data: Data, format: ContactFileFormat) throws(ContactFileError) -> ContactSheet {
        var collector = SheetCollector()
        switch format {
        case .csv: try CSVReader.read(data, into: &collector)
        case .xlsx: try WorkbookReader.read(data, into: &collector)
        }
        return try collector.sheet()
    }
}
