import PostgresNIO

extension PostgresRow.Iterator {
    /// The next column of the row, decoded as `T`.
    ///
    /// Rows are read column by column with this rather than with PostgresNIO's tuple
    /// `decode((A, B, ...).self)`: that goes through parameter packs that the compiler
    /// does not specialise, looking up generic metadata for every column of every row
    /// (11% of the node's CPU when listing contacts, BENCH_PERF=1 ops/bench contacts).
    /// Here each call is specialised for its type.
    @inlinable
    public mutating func column<T: PostgresDecodable>(_: T.Type = T.self) throws -> T {
        guard let cell = next() else { throw MissingColumn(type: "\(T.self)") }
        return try cell.decode(T.self)
    }
}

/// A row had fewer columns than its reader expected: the SQL and its reader disagree.
public struct MissingColumn: Error, CustomStringConvertible {
    public let type: String

    public init(type: String) {
        self.type = type
    }

    public var description: String { "the row ended before a column of type \(type)" }
}
