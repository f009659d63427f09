import Synchronization

/// Rows that many concurrent requests write, one each, committed together.
///
/// While one batch's transaction runs, the rows that arrive wait for the next, so a
/// quiet service writes each row at once and a busy one carries many rows in each
/// transaction: one BEGIN, one statement and one COMMIT for the lot instead of per
/// request. A batch that fails fails every row in it with the same error.
public final class GroupCommit<Row: Sendable, Answer: Sendable>: Sendable {
    /// Writes `rows` in one transaction; answers in the rows' order.
    public typealias Write = @Sendable ([Row]) async throws -> [Answer]

    private struct Waiting: Sendable {
        let row: Row
        let continuation: CheckedContinuation<Answer, any Error>
    }

    private struct State: Sendable {
        var waiting: [Waiting] = []
        var writing = false
    }

    private let write: Write
    private let maximumBatch: Int
    private let state = Mutex(State())

    public init(maximumBatch: Int = 500, write: @escaping Write) {
        precondition(maximumBatch > 0)
        self.maximumBatch = maximumBatch
        self.write = write
    }

    /// Writes `row` with whichever rows come with it, and answers once they are committed.
    public func submit(_ row: Row) async throws -> Answer {
        try await withCheckedThrowingContinuation { continuation in
            let startWriter = state.withLock { state -> Bool in
                state.waiting.append(Waiting(row: row, continuation: continuation))
                defer { state.writing = true }
                return !state.writing
            }
            if startWriter { Task { await self.writeUntilDrained() } }
        }
    }

    private func writeUntilDrained() async {
        while true {
            let batch = state.withLock { state -> [Waiting] in
                let batch = Array(state.waiting.prefix(maximumBatch))
                state.waiting.removeFirst(batch.count)
                if batch.isEmpty { state.writing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let answers = try await write(batch.map(\.row))
                precondition(answers.count == batch.count, "a group commit's write must answer every row")
                for (waiting, answer) in zip(batch, answers) { waiting.continuation.resume(returning: answer) }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
