import Foundation

/// A spreadsheet's rows as text: the header, then each data row with its number
/// as the user sees it (the header is row 1).
public struct ContactSheet: Sendable {
    public let header: [String]
    public let rows: [SheetRow]

    public init(header: [String], rows: [SheetRow]) {
        self.header = header
        self.rows = rows
    }

    static let maximumRows = 200_000
    static let maximumColumns = 200
}

public struct SheetRow: Sendable {
    public let number: Int
    public let cells: [String]

    public init(number: Int, cells: [String]) {
        self.number = number
        self.cells = cells
    }
}

/// Why a whole file cannot be imported (as opposed to one bad row).
public struct ContactFileError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }

    public init(_ reason: String) {
        self.reason = reason
    }
}

/// The kinds of file an import accepts.
public enum ContactFileFormat: String, Sendable {
    case csv, xlsx

    /// From the content type, then the file name's extension, then the bytes (a zip
    /// is a workbook; UTF-8 text is CSV).
    public static func detect(contentType: String?, fileName: String?, data: Data) -> ContactFileFormat? {
        let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        switch mediaType {
        case "text/csv", "application/csv", "text/plain", "text/comma-separated-values": return .csv
        case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": return .xlsx
        case nil, "application/octet-stream", "": break
        default: return nil
        }
        let lowered = fileName?.lowercased() ?? ""
        if lowered.hasSuffix(".xlsx") { return .xlsx }
        if lowered.hasSuffix(".csv") { return .csv }
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .xlsx }
        return String(data: data.prefix(4096), encoding: .utf8) != nil || data.count > 4096 ? .csv : nil
    }
}

/// Reads a file into a sheet.
public enum ContactFileReader {
    public static func read(_ data: Data, format: ContactFileFormat) throws(ContactFileError) -> ContactSheet {
        let rows: [SheetRow]
        switch format {
        case .csv: rows = try CSVReader.read(data)
        case .xlsx: rows = try WorkbookReader.read(data)
        }
        guard let header = rows.first, header.cells.contains(where: { !$0.isEmpty }) else {
            throw ContactFileError("The file has no header row.")
        }
        guard header.cells.count <= ContactSheet.maximumColumns else {
            throw ContactFileError("The file has \(header.cells.count) columns; the limit is \(ContactSheet.maximumColumns).")
        }
        let data = rows.dropFirst()
        guard data.count <= ContactSheet.maximumRows else {
            throw ContactFileError("The file has \(data.count) rows; the limit is \(ContactSheet.maximumRows).")
        }
        return ContactSheet(header: header.cells, rows: Array(data))
    }
}
