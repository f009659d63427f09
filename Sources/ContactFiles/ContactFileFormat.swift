import Foundation

/// The kinds of file an import accepts.
public enum ContactFileFormat: String, Sendable {
    case csv, xlsx

    static let workbookContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    /// From the content type, then the file name's extension, then the bytes (a
    /// zip is a workbook; UTF-8 text is CSV). Nil when the file is none of these,
    /// such as an old binary .xls or a picture.
    public static func detect(contentType: String?, fileName: String?, data: Data) -> ContactFileFormat? {
        let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        switch mediaType {
        case "text/csv", "application/csv", "text/comma-separated-values", "text/x-csv", "application/x-csv": return .csv
        case workbookContentType: return .xlsx
        // Browsers and phones send these when they do not know the file; the name and bytes decide.
        case "", "application/octet-stream", "binary/octet-stream", "text/plain", "application/vnd.ms-excel", "application/zip":
            break
        default: return nil
        }
        let name = fileName?.lowercased() ?? ""
        if name.hasSuffix(".xlsx") { return .xlsx }
        if name.hasSuffix(".csv") || name.hasSuffix(".tsv") || name.hasSuffix(".txt") { return .csv }
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .xlsx }
        return Self.looksLikeText(data) ? .csv : nil
    }

    /// UTF-8 without NUL bytes, judged on the first 64 KiB (a cut through a
    /// multi-byte character at the end of that prefix is allowed).
    static func looksLikeText(_ data: Data) -> Bool {
        let prefix = Array(data.prefix(65_536))
        guard !prefix.isEmpty, !prefix.contains(0) else { return false }
        for cut in 0..<4 where cut < prefix.count {
            if String(validating: prefix.dropLast(cut), as: UTF8.self) != nil { return true }
        }
        return false
    }
}
