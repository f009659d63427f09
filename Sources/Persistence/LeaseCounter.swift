import Synchronization

/// Counts connections currently leased from the pool (for the pool gauge, and to
/// tell a busy pool from one that cannot connect).
final class LeaseCounter: Sendable {
    private let count = Atomic<Int>(0)

    /// Adds `delta` and returns the new count.
    func add(_ delta: Int) -> Int {
        count.wrappingAdd(delta, ordering: .relaxed).newValue
    }
}
