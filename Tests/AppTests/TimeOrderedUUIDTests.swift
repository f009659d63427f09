import Foundation
import Persistence
import Testing

@Suite("Time-ordered ids")
struct TimeOrderedUUIDTests {
    @Test("version 7 with RFC 9562's variant, the time in the first 48 bits")
    func layout() {
        let now = Date(timeIntervalSince1970: 1_795_000_000.123)
        let id = UUID.timeOrdered(now: now)
        let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        #expect(bytes[6] >> 4 == 7)
        #expect(bytes[8] >> 6 == 0b10)
        let milliseconds = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(milliseconds == 1_795_000_000_123)
        // PostgreSQL and Foundation read the same text.
        #expect(id.uuidString.lowercased().hasPrefix(String(format: "%08x-%04x-7", milliseconds >> 16, milliseconds & 0xFFFF)))
    }

    @Test("ids of later milliseconds sort after earlier ones; ids of one millisecond differ")
    func orderAndUniqueness() {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let earlier = (0..<1_000).map { _ in UUID.timeOrdered(now: start) }
        let later = UUID.timeOrdered(now: start.addingTimeInterval(0.001))
        #expect(Set(earlier).count == 1_000)
        #expect(earlier.allSatisfy { $0.uuidString < later.uuidString })
    }
}
