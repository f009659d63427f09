import Foundation
import PostgresNIO

/// Builds the SELECT behind a filtered, sorted contact list. Column names and
/// directions come from fixed strings; every client value is a bind parameter.
struct ContactQuery {
    private var conditions: [String] = []
    private var bindings = PostgresBindings()
    private let tenant: String
    /// The bind of a tag filter on live contacts: such lists read `contact_tags`
    /// (migrations/0014), whose index holds each tag's contacts newest first.
    private var tag: String?
    /// The bind of a stage filter: with a tag, the walk is of that stage's part of the
    /// tag's index (migrations/0015).
    private var stage: String?

    init(tenantID: UUID, filter: ContactFilter, visibleOwner: UUID?, defaultCountryCode: String) {
        tenant = "$1"
        conditions.append("c.tenant_id = \(bind(tenantID))")
        conditions.append(filter.deleted ? "c.deleted_at IS NOT NULL" : "c.deleted_at IS NULL")
        if let stage = filter.stage {
            let bound = bind(stage.rawValue)
            self.stage = bound
            conditions.append("c.stage = \(bound)")
        }
        if let temperature = filter.temperature { conditions.append("c.temperature = \(bind(temperature.rawValue))") }
        if let source = filter.source { conditions.append("c.source = \(bind(source))") }
        if let tag = filter.tag {
            // Deleted contacts have no rows there; `@>` can use no index under row-level security.
            if filter.deleted { conditions.append("c.tags @> ARRAY[\(bind(tag))]::text[]") } else { self.tag = bind(tag) }
        }
        if let owner = filter.ownerID { conditions.append("c.owner_id = \(bind(owner))") }
        if filter.unassigned { conditions.append("c.owner_id IS NULL") }
        if let owner = visibleOwner { conditions.append("c.owner_id = \(bind(owner))") }
        if let from = filter.createdFrom { conditions.append("c.created_at >= \(bind(from))") }
        if let to = filter.createdTo { conditions.append("c.created_at < \(bind(to))") }
        if let raw = filter.search {
            if let digits = Self.phoneDigits(raw) {
                conditions.append(phoneCondition(digits, countryCode: String(defaultCountryCode.filter(\.isNumber))))
            } else {
                let text = raw.trimmingCharacters(in: .whitespaces).lowercased()
                if !text.isEmpty { conditions.append("c.search_text LIKE \(bind("%" + Self.escapeLike(text) + "%"))") }
            }
        }
    }

    /// Whether a page in `sort` order walks `contact_tags` in index order.
    func walksTagIndex(sort: ContactSort) -> Bool { tag != nil && sort.column == "created_at" }

    /// One page in `sort` order after `cursor`.
    mutating func page(sort: ContactSort, after cursor: ContactCursor?, limit: Int) -> PostgresQuery {
        var conditions = self.conditions
        let direction = sort.descending ? "DESC" : "ASC"
        // Newest or oldest first with a tag: walk the tag's index in that order and
        // stop at the page's end. Another order: the tag's contacts as a set.
        let tagOrdered = walksTagIndex(sort: sort)
        let (order, from) =
            tagOrdered
            ? ("ct", "contact_tags ct JOIN contacts c ON c.id = ct.contact_id AND c.tenant_id = ct.tenant_id")
            : ("c", "contacts c")
        if let tag {
            if tagOrdered {
                conditions.append("ct.tenant_id = \(tenant) AND ct.tag = \(tag)")
                if let stage { conditions.append("ct.stage = \(stage)") }
            } else {
                conditions.append("c.id IN (SELECT ct.contact_id FROM contact_tags ct WHERE ct.tenant_id = \(tenant) AND ct.tag = \(tag))")
            }
        }
        let id = tagOrdered ? "ct.contact_id" : "c.id"
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
            conditions.append("(\(order).\(sort.column), \(id)) \(comparison) (\(value), \(bind(cursor.id)))")
        }
        let sql = """
            SELECT \(ContactStore.columns) FROM \(from)
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(order).\(sort.column) \(direction), \(id) \(direction)
            LIMIT \(bind(limit))
            """
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    private mutating func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
        bindings.append(value)
        return "$\(bindings.count)"
    }

    /// The digits of a phone-like search ("+91 98765-43210"), or nil for text.
    static func phoneDigits(_ raw: String) -> String? {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        let phoneCharacters = Set("+-() .0123456789")
        guard trimmed.contains(where: \.isNumber), trimmed.allSatisfy({ phoneCharacters.contains($0) }) else { return nil }
        return trimmed.filter(\.isNumber)
    }

    /// A phone whose digits start with the typed ones (as typed, or after the
    /// tenant's country code with a trunk 0 dropped) or end with them: three range
    /// scans on the phone indexes (migrations/0009).
    private mutating func phoneCondition(_ digits: String, countryCode: String) -> String {
        func range(_ expression: String, _ prefix: String) -> String {
            // ":" follows "9" in "C" collation: [prefix, prefix + ":") holds every digit string starting with it.
            "(\(expression) >= \(bind(prefix)) AND \(expression) < \(bind(prefix + ":")))"
        }
        let digitsColumn = "c.phone_digits"
        let reversedColumn = "c.phone_digits_reversed"
        var national = Substring(digits)
        while national.hasPrefix("0") { national = national.dropFirst() }
        var alternatives = [range(digitsColumn, digits), range(reversedColumn, String(digits.reversed()))]
        if !countryCode.isEmpty, !national.isEmpty { alternatives.append(range(digitsColumn, countryCode + national)) }
        return "(" + alternatives.joined(separator: " OR ") + ")"
    }

    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
