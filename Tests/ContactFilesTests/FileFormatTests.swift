import Foundation
import Testing

@testable import ContactFiles

@Suite("Telling the file's format")
struct FileFormatTests {
    static let zip = Data([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00])

    @Test("the content type first, then the file name, then the bytes")
    func detection() {
        #expect(ContactFileFormat.detect(contentType: "text/csv; charset=utf-8", fileName: nil, data: Data()) == .csv)
        #expect(ContactFileFormat.detect(contentType: ContactFileFormat.workbookContentType, fileName: "a.csv", data: Data()) == .xlsx)
        #expect(ContactFileFormat.detect(contentType: "application/octet-stream", fileName: "Leads.XLSX", data: Data()) == .xlsx)
        #expect(ContactFileFormat.detect(contentType: "application/vnd.ms-excel", fileName: "leads.csv", data: Data()) == .csv)
        #expect(ContactFileFormat.detect(contentType: nil, fileName: nil, data: Self.zip) == .xlsx)
        #expect(ContactFileFormat.detect(contentType: nil, fileName: "upload", data: Data("Name,Phone\nÄsha,1".utf8)) == .csv)
        #expect(ContactFileFormat.detect(contentType: "image/png", fileName: "a.csv", data: Data()) == nil)
        #expect(ContactFileFormat.detect(contentType: nil, fileName: "old.xls", data: Data([0xD0, 0xCF, 0x11, 0xE0, 0, 0])) == nil)
    }

    @Test("text cut inside a multi-byte character at the sniffing limit is still text")
    func cutCharacter() {
        let text = Data(String(repeating: "€", count: 30_000).utf8)
        #expect(ContactFileFormat.detect(contentType: nil, fileName: nil, data: text) == .csv)
    }
}
