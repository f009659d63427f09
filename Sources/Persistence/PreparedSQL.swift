import PostgresNIO
import Synchronization

/// A statement that a hot path runs as a named prepared statement: parsed once per
/// connection, and after a few runs planned once too (PostgreSQL's generic plan).
///
/// Planning is most of the database's work for the short statements of a request:
/// under row-level security every table reference brings the tenant policy, and the
/// conversation lookup of a WhatsApp delivery took 0.7-3.7 ms to plan and 0.3 ms to
/// run; prepared, its planning took 0.04 ms from the sixth run on. `sql` is the text
/// the query builds (its shape: binds are `$n`), so the query keeps being written
/// in one place; running a query whose text differs is a programming error.
public protocol PreparedSQL {
    static var sql: String { get }
    /// The parameters' types, in order; empty lets the server infer them from the
    /// statement, which is wrong for a text bind cast in the SQL (`$1::jsonb` would
    /// expect jsonb's binary form).
    static var types: [PostgresDataType] { get }
}

extension PreparedSQL {
    public static var types: [PostgresDataType] { [] }
}

/// `Tag`'s statement with one query's binds.
struct PreparedQuery<Tag: PreparedSQL>: PostgresPreparedStatement, Sendable {
    typealias Row = PostgresRow
    static var sql: String { Tag.sql }
    /// PostgresNIO's default name is `String(reflecting:)` of this generic type, which
    /// was a percent of a node's CPU under webhook load; the names are made once.
    static var name: String { PreparedStatementNames.shared.name(of: Tag.self) }
    static var bindingDataTypes: [PostgresDataType] { Tag.types }
    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// Each tag's statement name, made once per process.
final class PreparedStatementNames: Sendable {
    static let shared = PreparedStatementNames()
    private let names = Mutex<[ObjectIdentifier: String]>([:])

    func name(of tag: any PreparedSQL.Type) -> String {
        names.withLock { names in
            if let name = names[ObjectIdentifier(tag)] { return name }
            let name = String(reflecting: tag)
            names[ObjectIdentifier(tag)] = name
            return name
        }
    }
}
