import Accounts
import Foundation
import Testing

@testable import App

@Suite("JSONWriter matches JSONEncoder")
struct JSONWriterTests {
    @Test("a user written by hand decodes to the same JSON as JSONEncoder's, escapes included")
    func userMatchesEncoder() throws {
        let user = User(
            id: UUID(), tenantID: UUID(), email: "odd\"name\\/@x.test", name: "Tab\tNew\nline \u{01} é 🙂",
            phone: nil, role: .agent, status: .active,
            createdAt: Date(timeIntervalSince1970: 1_763_700_000.75), updatedAt: Date(timeIntervalSince1970: 0)
        )
        let response = UserResponse(user)
        var writer = JSONWriter()
        response.write(to: &writer)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let handWritten = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? NSDictionary
        let encoded = try JSONSerialization.jsonObject(with: encoder.encode(response)) as? NSDictionary
        #expect(handWritten != nil)
        #expect(handWritten == encoded)
        #expect(handWritten?["phone"] == nil)
    }

    @Test("dates are whole-second UTC ISO 8601")
    func dates() {
        var bytes: [UInt8] = []
        JSONWriter.appendISO8601(Date(timeIntervalSince1970: 951_782_400.999), to: &bytes)  // 2000-02-29
        #expect(String(decoding: bytes, as: UTF8.self) == "2000-02-29T00:00:00Z")
    }

    @Test("a null written with fieldOrNull is followed by a comma; ints, string arrays and raw JSON are valid JSON")
    func nullsArraysAndRaw() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.fieldOrNull("a", nil)
        writer.fieldOrNull("b", nil)
        writer.field("n", -42)
        writer.field("tags", ["x", "y\"z"])
        writer.field("empty", [String]())
        writer.rawField("raw", json: #"{"k": [1, null]}"#)
        writer.fieldOrNull("last", nil)
        writer.endObject()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any])
        #expect(object["a"] is NSNull && object["b"] is NSNull && object["last"] is NSNull)
        #expect(object["n"] as? Int == -42)
        #expect(object["tags"] as? [String] == ["x", "y\"z"])
        #expect((object["empty"] as? [String])?.isEmpty == true)
        #expect(((object["raw"] as? [String: Any])?["k"] as? [Any])?.count == 2)
    }

    @Test("strings with escapes at their ends, in runs, or none at all, and ids or null, read back as written")
    func escapesAndIDs() throws {
        let texts = [
            "", "plain", "\"quoted\"", "ends with \\", "/a/b/", "\u{00}\u{1F}\n\r\t", "é 🙂 \"mixed\" \\ end/",
            String(repeating: "x\"", count: 40),
        ]
        let id = UUID()
        var writer = JSONWriter()
        writer.beginObject()
        for (index, text) in texts.enumerated() { writer.field("t\(index)", text) }
        writer.fieldOrNull("owner", id: id)
        writer.fieldOrNull("nobody", id: nil)
        writer.endObject()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any])
        for (index, text) in texts.enumerated() { #expect(object["t\(index)"] as? String == text) }
        #expect(object["owner"] as? String == id.uuidString)
        #expect(object["nobody"] is NSNull)
    }
}
