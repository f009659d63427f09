import ContactFiles
import Foundation

/// The files in `Fixtures/` (made by `Fixtures/make_fixtures.py`), found beside
/// this source file so that the tests need no resource bundle.
enum Fixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent(name))
    }

    /// Reads and parses a fixture with India as the default country.
    static func parsed(_ name: String, format: ContactFileFormat) throws -> ParsedContactFile {
        try ContactFileParser.parse(ContactFileReader.read(data(name), format: format), defaultCountryCode: "+91")
    }
}

/// Reads and parses CSV text with India as the default country.
func parseCSV(_ text: String, defaultCountryCode: String = "+91") throws -> ParsedContactFile {
    try ContactFileParser.parse(ContactFileReader.read(Data(text.utf8), format: .csv), defaultCountryCode: defaultCountryCode)
}
