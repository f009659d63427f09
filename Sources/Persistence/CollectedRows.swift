import PostgresNIO

/// A statement's rows, all received, read like a `PostgresRowSequence` (`for try await`,
/// `decode`). Statements here read pages and single rows; an export reads page by page.
public struct CollectedRows: AsyncSequence, Sendable {
    public typealias Element = PostgresRow
    let rows: [PostgresRow]

    public struct AsyncIterator: AsyncIteratorProtocol {
        var rows: IndexingIterator<[PostgresRow]>
        public mutating func next() async throws -> PostgresRow? { rows.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(rows: rows.makeIterator()) }
}
