import Foundation

/// `GET /v1/contacts` filters; every one set must match.
public struct ContactFilter: Sendable, Equatable {
    public var stage: ContactStage?
    public var temperature: ContactTemperature?
    public var tag: String?
    public var ownerID: UUID?
    /// Only contacts without an owner.
    public var unassigned = false
    public var source: String?
    public var createdFrom: Date?
    public var createdTo: Date?
    /// Matched against name, phone digits and email (case-insensitive, any part).
    public var search: String?
    /// Soft-deleted contacts instead of live ones (administrators only).
    public var deleted = false

    public init() {}
}

/// The order of a contact list. Every order ends with the id, so pages never skip
/// or repeat a contact.
public enum ContactSort: String, Sendable, CaseIterable {
    case newest = "-createdAt"
    case oldest = "createdAt"
    case recentlyUpdated = "-updatedAt"
    case name = "name"
    case nameDescending = "-name"
    case highestScore = "-score"
    case lowestScore = "score"

    /// The SQL column the order uses (a fixed string, never client input).
    var column: String {
        switch self {
        case .newest, .oldest: "created_at"
        case .recentlyUpdated: "updated_at"
        case .name, .nameDescending: "name"
        case .highestScore, .lowestScore: "score"
        }
    }

    var descending: Bool {
        switch self {
        case .newest, .recentlyUpdated, .nameDescending, .highestScore: true
        case .oldest, .name, .lowestScore: false
        }
    }
}

/// Where the previous page ended: the last contact's sort value and id.
public struct ContactCursor: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case date(Date)
        case text(String)
        case number(Int)
    }

    public let value: Value
    public let id: UUID

    public init(value: Value, id: UUID) {
        self.value = value
        self.id = id
    }

    /// The cursor after `contact` in `sort`.
    public init(after contact: Contact, sort: ContactSort) {
        switch sort {
        case .newest, .oldest: value = .date(contact.createdAt)
        case .recentlyUpdated: value = .date(contact.updatedAt)
        case .name, .nameDescending: value = .text(contact.name)
        case .highestScore, .lowestScore: value = .number(contact.score)
        }
        id = contact.id
    }

    /// Text for an opaque page token: `d|<microseconds>|id`, `t|id|<name>` or `n|<score>|id`.
    public var text: String {
        switch value {
        case .date(let date): "d|\(Int64((date.timeIntervalSince1970 * 1_000_000).rounded()))|\(id.uuidString)"
        case .text(let text): "t|\(id.uuidString)|\(text)"
        case .number(let number): "n|\(number)|\(id.uuidString)"
        }
    }

    /// Parses `text`, checking it suits `sort`.
    public init?(text: String, sort: ContactSort) {
        let parts = text.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { return nil }
        switch (parts[0], sort.column) {
        case ("d", "created_at"), ("d", "updated_at"):
            guard let micros = Int64(parts[1]), let id = UUID(uuidString: parts[2]) else { return nil }
            self.init(value: .date(Date(timeIntervalSince1970: Double(micros) / 1_000_000)), id: id)
        case ("t", "name"):
            guard let id = UUID(uuidString: parts[1]) else { return nil }
            self.init(value: .text(parts[2]), id: id)
        case ("n", "score"):
            guard let number = Int(parts[1]), let id = UUID(uuidString: parts[2]) else { return nil }
            self.init(value: .number(number), id: id)
        default:
            return nil
        }
    }
}
