import Foundation
import Persistence
import Testing

/// Sorting ids by their bytes instead of their strings must not change any order.
@Suite struct UUIDOrderTests {
    @Test func sortsLikeTheHexStrings() {
        // arrange: random ids, ids sharing leading bytes, and equal ones
        var ids = (0..<500).map { _ in UUID() }
        let shared = UUID(uuid: (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16))
        ids += [shared, shared, UUID(uuid: (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17)), .placeholder]
        ids += (0..<50).map { _ in UUID.timeOrdered() }
        // act
        let byBytes = ids.sorted { $0.sortsBefore($1) }
        let byStrings = ids.sorted { $0.uuidString < $1.uuidString }
        // check
        #expect(byBytes == byStrings)
        #expect(!shared.sortsBefore(shared))
        #expect(UUID.placeholder.sortsBefore(shared) && !shared.sortsBefore(.placeholder))
    }
}
