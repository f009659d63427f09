import Persistence
import Synchronization
import Testing

/// Rows submitted together are written together, each answered with its own result.
@Suite struct GroupCommitTests {
    struct Failure: Error {}

    @Test func concurrentRowsShareBatchesAndEachGetsItsOwnAnswer() async throws {
        // arrange
        let batches = Mutex<[[Int]]>([])
        let commit = GroupCommit<Int, Int>(maximumBatch: 50) { rows in
            batches.withLock { $0.append(rows) }
            try await Task.sleep(for: .milliseconds(10))  // a transaction's round trips
            return rows.map { $0 * 2 }
        }
        // act
        let answers = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for row in 0..<200 { group.addTask { (row, try await commit.submit(row)) } }
            return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
        }
        // check
        let written = batches.withLock { $0 }
        #expect(answers.count == 200)
        #expect(answers.allSatisfy { $0.value == $0.key * 2 })
        #expect(written.flatMap { $0 }.sorted() == Array(0..<200))
        #expect(written.allSatisfy { $0.count <= 50 })
        #expect(written.count < 200, "rows that arrived together were written one by one")
    }

    @Test func aFailedBatchFailsItsRowsAndTheNextBatchIsWritten() async throws {
        // arrange
        let failNext = Mutex(true)
        let commit = GroupCommit<Int, Int>(maximumBatch: 10) { rows in
            if failNext.withLock({ state in defer { state = false }; return state }) { throw Failure() }
            return rows
        }
        // act
        let first = await #expect(throws: Failure.self) { try await commit.submit(1) }
        let second = try await commit.submit(2)
        // check
        #expect(first != nil)
        #expect(second == 2)
    }
}
