import Foundation
import Hummingbird

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Builds JSON bytes directly, for the few responses on hot paths (a user, a page of
/// users): Foundation's JSONEncoder spent about 30% of the CPU of `GET /v1/users`
/// (profiled with perf; see docs/BENCHMARKS.md). The output matches JSONEncoder's
/// with `.iso8601` dates: same keys, nil optionals omitted.
struct JSONWriter {
    private static let upperHex = Array("0123456789ABCDEF".utf8)
    private static let lowerHex = Array("0123456789abcdef".utf8)
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func beginArray(_ key: String) {
        self.key(key)
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    mutating func field(_ key: String, _ value: String?) {
        guard let value else { return }
        self.key(key)
        string(value)
    }

    /// Like `field`, but writes `null` for nil instead of omitting the key.
    mutating func fieldOrNull(_ key: String, _ value: String?) {
        self.key(key)
        if let value {
            string(value)
        } else {
            null()
        }
    }

    /// Like `field`, but writes `null` for nil instead of omitting the key.
    mutating func fieldOrNull(_ key: String, id value: UUID?) {
        if let value {
            field(key, value)
        } else {
            self.key(key)
            null()
        }
    }

    /// Upper-case 8-4-4-4-12, as `uuidString` writes it, without its sprintf (which
    /// was 1.7% of the node's CPU listing contacts, through `uuidString`).
    mutating func field(_ key: String, _ value: UUID) {
        self.key(key)
        let hex = Self.upperHex
        bytes.append(UInt8(ascii: "\""))
        withUnsafeBytes(of: value.uuid) { raw in
            for (index, byte) in raw.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { bytes.append(UInt8(ascii: "-")) }
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    mutating func field(_ key: String, _ value: Date) {
        self.key(key)
        bytes.append(UInt8(ascii: "\""))
        Self.appendISO8601(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    mutating func field(_ key: String, _ value: Int) {
        self.key(key)
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    mutating func field(_ key: String, _ values: [String]) {
        beginArray(key)
        for value in values {
            separate()
            string(value)
        }
        endArray()
    }

    /// `json` as the key's value, unchanged: it must be valid JSON already (text the
    /// database produced from a jsonb column, say).
    mutating func rawField(_ key: String, json: String) {
        self.key(key)
        bytes.append(contentsOf: json.utf8)
        needsComma = true
    }

    private mutating func null() {
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func key(_ key: String) {
        separate()
        string(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// `value` quoted, escaped as JSONEncoder escapes: the runs between characters that
    /// need escaping are copied whole (escaping byte by byte was 4.5% of the node's CPU
    /// listing contacts).
    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            for index in utf8.indices where Self.needsEscape(utf8[index]) {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                appendEscaped(utf8[index])
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "/")
    }

    private mutating func appendEscaped(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "/"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "/")])  // as JSONEncoder does
        case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        default:
            bytes.append(contentsOf: "\\u00".utf8)
            bytes.append(Self.lowerHex[Int(byte >> 4)])
            bytes.append(Self.lowerHex[Int(byte & 0xF)])
        }
    }

    /// `yyyy-MM-ddTHH:mm:ssZ` in UTC, whole seconds, as JSONEncoder's `.iso8601`.
    static func appendISO8601(_ date: Date, to bytes: inout [UInt8]) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int32, _ count: Int) {
            var divisor: Int32 = 1
            for _ in 1..<count { divisor *= 10 }
            var remaining = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(remaining / divisor))
                remaining %= divisor
                divisor /= 10
            }
        }
        digits(parts.tm_year + 1900, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(parts.tm_mon + 1, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(parts.tm_mday, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(parts.tm_hour, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(parts.tm_min, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(parts.tm_sec, 2)
        bytes.append(UInt8(ascii: "Z"))
    }

    /// A 200 (or `status`) JSON response with these bytes.
    func response(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// A response type that writes its own JSON (see `JSONWriter`).
protocol JSONWritable {
    func write(to writer: inout JSONWriter)
}
