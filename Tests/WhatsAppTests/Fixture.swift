import Foundation

/// The payloads in `Fixtures/` (PROVIDERS.md §1.4 samples and variations on them),
/// found beside this source file so that the tests need no resource bundle.
enum Fixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
    }
}
