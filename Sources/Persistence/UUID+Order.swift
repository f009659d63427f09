import Foundation

extension UUID {
    /// Whether this id sorts before `other`, byte by byte: the order of their
    /// `uuidString`s without making the strings, which on Linux costs about 0.55 µs
    /// each (in sprintf), and a sort makes two per comparison.
    public func sortsBefore(_ other: UUID) -> Bool {
        withUnsafeBytes(of: uuid) { mine in
            withUnsafeBytes(of: other.uuid) { theirs in mine.lexicographicallyPrecedes(theirs) }
        }
    }
}
