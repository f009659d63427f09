import Foundation
import ZIPFoundation

/// The parts of an .xlsx file, a zip read with ZIPFoundation. Part names are
/// matched without case, as the Open Packaging Conventions say. A part that
/// inflates past 200 MB is refused before it fills memory (a zip bomb, or in any
/// case no contact list).
///
/// The zip is read from a temporary file rather than with `Archive(data:)`:
/// ZIPFoundation 0.9.20's in-memory file traps (a range with lowerBound >
/// upperBound) when a damaged header points past the end of the data, so a
/// truncated upload would crash the server; reading a real file past its end
/// just comes back short. The file is unlinked as soon as it is open.
struct WorkbookArchive {
    static let defaultMaximumPartSize = 200 << 20
    /// More parts than any workbook of contacts has; a zip of a million empty
    /// entries is refused before they are listed.
    static let maximumEntries = 10_000

    private let archive: Archive
    private let entries: [String: Entry]
    private let maximumPartSize: Int

    init(_ data: Data, maximumPartSize: Int = defaultMaximumPartSize) throws(ContactFileError) {
        self.maximumPartSize = maximumPartSize
        if data.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw ContactFileError.legacyWorkbook
        }
        guard data.starts(with: [0x50, 0x4B]) else {
            throw ContactFileError.notAWorkbook("it is not a zip archive")
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("contact-file-\(UUID().uuidString).xlsx")
        // Only this process's user may read the upload while it is on disk.
        guard FileManager.default.createFile(atPath: url.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ContactFileError("The workbook could not be opened: the server has no room for it just now. Try again later.")
        }
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw ContactFileError.notAWorkbook("it is not a zip archive, or it is damaged or cut off")
        }
        var entries: [String: Entry] = [:]
        for (count, entry) in archive.enumerated() {
            guard count < Self.maximumEntries else { throw ContactFileError.notAWorkbook("it has too many parts") }
            let path = entry.path.lowercased()
            if entries[path] == nil { entries[path] = entry }
        }
        self.entries = entries
    }

    /// The inflated bytes of the part at `path`, or nil when there is none.
    func read(_ path: String) throws(ContactFileError) -> [UInt8]? {
        guard let entry = entries[path.lowercased()] else { return nil }
        guard entry.type == .file else { throw ContactFileError.notAWorkbook("\(path) is not a file") }
        let limit = maximumPartSize
        guard entry.uncompressedSize <= UInt64(limit) else { throw Self.tooLarge(path, limit: limit) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(entry.uncompressedSize))
        let checksum: CRC32
        do {
            checksum = try archive.extract(entry, bufferSize: 1 << 16) { chunk in
                // The size in the zip's directory is the sender's word; count what inflates.
                guard bytes.count + chunk.count <= limit else { throw Self.tooLarge(path, limit: limit) }
                bytes.append(contentsOf: chunk)
            }
        } catch let error as ContactFileError {
            throw error
        } catch {
            throw ContactFileError.notAWorkbook("\(path) is damaged or cut off")
        }
        guard checksum == entry.checksum else { throw ContactFileError.notAWorkbook("\(path) is damaged (its checksum is wrong)") }
        return bytes
    }

    private static func tooLarge(_ path: String, limit: Int) -> ContactFileError {
        let size = limit >= 1 << 20 ? "\(limit >> 20) MB" : "\(limit) bytes"
        return ContactFileError("The workbook's \(path) is larger than \(size) uncompressed, which no list of contacts needs.")
    }
}
