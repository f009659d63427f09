import Foundation
import Logging
import Persistence
import PostgresNIO

// Statements that count the tenant's rows or one user's, written as two texts rather
// than one with `$n IS NULL OR column = $n`: a prepared statement gets one plan,
// which cannot use the column's index for the one case and leave it for the other.

extension PostgresQuery {
    /// Appends `$n` for `value`, a new bind.
    mutating func bind(_ value: some PostgresNonThrowingEncodable) {
        binds.append(value)
        sql += "$\(binds.count)"
    }

    /// Narrows the query's `WHERE` to `column = value` (a new bind), or leaves it whole for nil.
    mutating func and(_ column: String, is value: UUID?) {
        guard let value else { return }
        sql += " AND \(column) = "
        bind(value)
    }
}

extension PooledConnection {
    /// Runs `query` as `Whole`'s prepared statement when `own` is nil (the tenant's
    /// figures), as `Narrowed`'s when it is one user's.
    func query<Whole: PreparedSQL, Narrowed: PreparedSQL>(
        _ query: PostgresQuery, preparedAs _: Whole.Type, or _: Narrowed.Type, own: UUID?, logger: Logger
    ) async throws -> CollectedRows {
        own == nil
            ? try await self.query(query, preparedAs: Whole.self, logger: logger)
            : try await self.query(query, preparedAs: Narrowed.self, logger: logger)
    }
}
