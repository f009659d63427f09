import Crypto
import Foundation

/// One numbered SQL file from `migrations/`.
public struct MigrationFile: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// SHA-256 of the file's bytes, hex encoded.
    public let checksum: String

    public init(fileName: String, contents: Data) throws {
        let stem = fileName.hasSuffix(".sql") ? String(fileName.dropLast(4)) : fileName
        let parts = stem.split(separator: "_", maxSplits: 1)
        guard fileName.hasSuffix(".sql"), parts.count == 2, parts[0].count >= 4,
            parts[0].allSatisfy(\.isASCII), let version = Int(parts[0]), version > 0,
            let sql = String(data: contents, encoding: .utf8)
        else { throw PersistenceError.malformedMigrationName(fileName) }
        self.version = version
        self.name = stem
        self.sql = sql
        self.checksum = SHA256.hash(data: contents).map { String(format: "%02x", $0) }.joined()
    }

    /// Every migration in `directory`, in version order.
    public static func load(from directory: String) throws -> [MigrationFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PersistenceError.migrationsDirectoryMissing(directory)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }
        let files = try names.map { name in
            try MigrationFile(fileName: name, contents: Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name)))
        }.sorted { $0.version < $1.version }
        for (previous, next) in zip(files, files.dropFirst()) where previous.version == next.version {
            throw PersistenceError.duplicateMigrationVersion(next.version)
        }
        return files
    }

    /// The statements of this file, for the extended query protocol.
    var statements: [String] { SQLStatementSplitter.split(sql) }
}
