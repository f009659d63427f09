import Foundation

extension UUID {
    /// A new id: a version 7 UUID (RFC 9562), the Unix time in milliseconds followed
    /// by 74 random bits.
    ///
    /// Two reasons over `UUID()`: rows inserted together get ids that sort together,
    /// so the primary-key index of an append-heavy table (deliveries, messages,
    /// timeline entries, events) fills its rightmost pages instead of splitting pages
    /// across the whole tree; and Foundation's `UUID()` opens, reads and closes
    /// `/dev/urandom` for every id on Linux (strace of a node under webhook load),
    /// where this takes its randomness from the system generator (`getrandom`).
    public static func timeOrdered(now: Date = Date()) -> UUID {
        var random = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        // 48 bits of time, the version (0111), 12 random bits.
        let high = (milliseconds << 16) | 0x7000 | (random.next() & 0x0FFF)
        // The variant (10) and 62 random bits.
        let low = (random.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        func byte(_ word: UInt64, _ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: word >> (56 - 8 * index)) }
        return UUID(uuid: (
            byte(high, 0), byte(high, 1), byte(high, 2), byte(high, 3), byte(high, 4), byte(high, 5), byte(high, 6), byte(high, 7),
            byte(low, 0), byte(low, 1), byte(low, 2), byte(low, 3), byte(low, 4), byte(low, 5), byte(low, 6), byte(low, 7)))
    }
}

extension UUID {
    /// The nil UUID, for building a statement's text where the value does not matter.
    public static let placeholder = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
}
