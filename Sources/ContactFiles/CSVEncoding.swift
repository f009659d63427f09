/// Tells apart the files that are not UTF-8 CSV before reading them, so that
/// the person uploading learns what to do instead of seeing garbled rows.
enum CSVEncoding {
    static let saveAsUTF8 = "Save it from Excel as \"CSV UTF-8 (Comma delimited)\" and upload it again."

    static func check(_ bytes: [UInt8], textStart: Int) throws(ContactFileError) {
        guard bytes.count > textStart else { throw ContactFileError("The file is empty.") }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw ContactFileError("The file is UTF-16 text, not UTF-8. \(saveAsUTF8)")
        }
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw ContactFileError.legacyWorkbook
        }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            throw ContactFileError("The file is a zip archive (perhaps an .xlsx workbook), not CSV. Upload it with its .xlsx name.")
        }
        if bytes.prefix(4096).contains(0) {
            throw ContactFileError("The file is not text: it has NUL bytes, as UTF-16 text and binary files do. \(saveAsUTF8)")
        }
    }

    /// The text of a field, or the error for a file in another encoding
    /// (Windows-1252, say, which Excel's plain "CSV" writes).
    static func text(_ bytes: UnsafeBufferPointer<UInt8>, row: Int) throws(ContactFileError) -> String {
        if bytes.isEmpty { return "" }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ContactFileError("The file is not UTF-8 text (row \(row) has characters in another encoding). \(saveAsUTF8)")
        }
        return text
    }
}
