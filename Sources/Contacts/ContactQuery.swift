import Foundation
import PostgresNIO

/// Builds the SELECT behind a filtered, sorted contact list. Column names and
/// directions come from fixed strings; every client value is a bind parameter.
struct ContactQuery {
    private var conditions: [String] = []
    private var bindings = PostgresBindings()

    init(tenantID: UUID, filter: ContactFilter, visibleOwner: UUID?) {
        conditions.append("c.tenant_id = \(bind(tenantID))")
        conditions.append(filter.deleted ? "c.deleted_at IS NOT NULL" : "c.deleted_at IS NULL")
        if let stage = filter.stage { conditions.append("c.stage = \(bind(stage.rawValue))") }
        if let temperature = filter.temperature { conditions.append("c.temperature = \(bind(temperature.rawValue))") }
        if let source = filter.source { conditions.append("c.source = \(bind(source))") }
        if let tag = filter.tag { conditions.append("c.tags @> ARRAY[\(bind(tag))]::text[]") }
        if let owner = filter.ownerID { conditions.append("c.owner_id = \(bind(owner))") }
        if filter.unassigned { conditions.append("c.owner_id IS NULL") }
        if let owner = visibleOwner { conditions.append("c.owner_id = \(bind(owner))") }
        if let from = filter.createdFrom { conditions.append("c.created_at >= \(bind(from))") }
        if let to = filter.createdTo { conditions.append("c.created_at < \(bind(to))") }
        if let search = filter.search.map(Self.searchTerm), !search.isEmpty {
            conditions.append("c.search_text LIKE \(bind("%" + Self.escapeLike(search) + "%"))")
        }
    }

    /// One page in `sort` order after `cursor`.
    mutating func page(sort: ContactSort, after cursor: ContactCursor?, limit: Int) -> PostgresQuery {
        var conditions = self.conditions
        let direction = sort.descending ? "DESC" : "ASC"
        if let cursor {
            let comparison = sort.descending ? "<" : ">"
            let value: String
            switch cursor.value {
            case .date(let date):
                // Exact to the microsecond: a Date bound directly may be truncated by one.
                let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
                value = "(timestamptz 'epoch' + \(bind(micros)) * interval '1 microsecond')"
            case .text(let text): value = bind(text)
            case .number(let number): value = bind(number)
            }
            conditions.append("(c.\(sort.column), c.id) \(comparison) (\(value), \(bind(cursor.id)))")
        }
        let sql = """
            SELECT \(ContactStore.columns) FROM contacts c
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY c.\(sort.column) \(direction), c.id \(direction)
            LIMIT \(bind(limit))
            """
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// Every matching contact's id, in one query (bulk export walks pages instead).
    mutating func ids(limit: Int) -> PostgresQuery {
        let sql = "SELECT c.id FROM contacts c WHERE \(conditions.joined(separator: " AND ")) LIMIT \(bind(limit))"
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    private mutating func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
        bindings.append(value)
        return "$\(bindings.count)"
    }

    /// What the search box text matches: a phone-like term ("+91 98765-43210") by
    /// its digits, anything else lower-cased.
    static func searchTerm(_ raw: String) -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        let phoneCharacters = Set("+-() .0123456789")
        if trimmed.contains(where: \.isNumber), trimmed.allSatisfy({ phoneCharacters.contains($0) }) {
            return trimmed.filter(\.isNumber)
        }
        return trimmed.lowercased()
    }

    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
