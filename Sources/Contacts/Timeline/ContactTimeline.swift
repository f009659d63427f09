import Foundation
import Logging
import Persistence
import PostgresNIO

/// The contact's timeline: every feature records what happened to a contact here,
/// in the same transaction as the change, and `GET /v1/contacts/{id}/timeline`
/// reads it back newest first.
public struct ContactTimeline: Sendable {
    public init() {}

    /// Records one entry. `data` is the entry's own JSON object (a note's body, a
    /// stage change's from and to, a call's id and duration, ...).
    public func record(
        _ tenantID: UUID, contact contactID: UUID, kind: TimelineKind, actor: UUID?, data: some Encodable & Sendable,
        at occurredAt: Date? = nil, on connection: PooledConnection, logger: Logger
    ) async throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let json = String(decoding: try encoder.encode(data), as: UTF8.self)
        let query = Self.recordQuery(tenantID, contact: contactID, kind: kind, actor: actor, occurredAt: occurredAt, json: json)
        try await connection.write(query, preparedAs: Record.self, logger: logger)
    }

    /// Notes, calls, messages and payments all record here: prepared.
    enum Record: PreparedSQL {
        static let sql = ContactTimeline.recordQuery(UUID(), contact: UUID(), kind: .created, actor: nil, occurredAt: nil, json: "").sql
        static let types: [PostgresDataType] = [.uuid, .uuid, .uuid, .text, .uuid, .timestamptz, .text]
    }

    static func recordQuery(
        _ tenantID: UUID, contact contactID: UUID, kind: TimelineKind, actor: UUID?, occurredAt: Date?, json: String
    ) -> PostgresQuery {
        """
        INSERT INTO contact_timeline (id, tenant_id, contact_id, kind, actor_id, occurred_at, data)
        VALUES (\(UUID.timeOrdered()), \(tenantID), \(contactID), \(kind.rawValue), \(actor), coalesce(\(occurredAt), now()), \(json)::jsonb)
        """
    }

    /// One entry per contact in one statement (imports record thousands at once).
    func recordMany(
        _ tenantID: UUID, contacts contactIDs: [UUID], kind: TimelineKind, actor: UUID?, data json: String,
        on connection: PooledConnection, logger: Logger
    ) async throws {
        guard !contactIDs.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO contact_timeline (id, tenant_id, contact_id, kind, actor_id, data)
            SELECT gen_random_uuid(), \(tenantID), contact_id, \(kind.rawValue), \(actor), \(json)::jsonb
            FROM unnest(\(contactIDs)::uuid[]) AS contact_id
            """,
            logger: logger
        )
    }

    /// An entry to record: whose timeline, what kind, by whom, when, and its JSON object.
    public struct Entry: Sendable {
        public let contactID: UUID
        public let kind: TimelineKind
        public let actor: UUID?
        public let occurredAt: Date
        public let data: String

        public init(contactID: UUID, kind: TimelineKind, actor: UUID?, occurredAt: Date, data: String) {
            self.contactID = contactID
            self.kind = kind
            self.actor = actor
            self.occurredAt = occurredAt
            self.data = data
        }
    }

    /// Records `entries` (of any contacts) in one statement.
    public func record(_ tenantID: UUID, _ entries: [Entry], on connection: PooledConnection, logger: Logger) async throws {
        guard !entries.isEmpty else { return }
        try await connection.write(Self.recordManyQuery(tenantID, entries), preparedAs: RecordMany.self, logger: logger)
    }

    /// Batches of WhatsApp messages record here: prepared.
    enum RecordMany: PreparedSQL {
        static let sql = ContactTimeline.recordManyQuery(UUID(), []).sql
    }

    /// An array bind carries no NULLs: the placeholder id stands for no actor.
    static func recordManyQuery(_ tenantID: UUID, _ entries: [Entry]) -> PostgresQuery {
        """
        INSERT INTO contact_timeline (id, tenant_id, contact_id, kind, actor_id, occurred_at, data)
        SELECT e.id, \(tenantID), e.contact_id, e.kind, nullif(e.actor_id, \(UUID.placeholder)), e.occurred_at, e.data::jsonb
        FROM unnest(\(entries.map { _ in UUID.timeOrdered() })::uuid[], \(entries.map(\.contactID))::uuid[],
                    \(entries.map(\.kind.rawValue))::text[], \(entries.map { $0.actor ?? .placeholder })::uuid[],
                    \(entries.map(\.occurredAt))::timestamptz[], \(entries.map(\.data))::text[])
             AS e(id, contact_id, kind, actor_id, occurred_at, data)
        """
    }

    /// A page of the contact's entries, newest first, after `cursor`.
    func page(
        _ tenantID: UUID, contact contactID: UUID, after cursor: TimelineCursor?, limit: Int, on connection: PooledConnection,
        logger: Logger
    ) async throws -> [TimelineEntry] {
        let micros = cursor.map { Int64(($0.occurredAt.timeIntervalSince1970 * 1_000_000).rounded()) }
        let rows = try await connection.query(
            """
            SELECT t.id, t.kind, t.actor_id, u.name, t.occurred_at, t.data::text
            FROM contact_timeline t
            LEFT JOIN users u ON u.id = t.actor_id AND u.tenant_id = t.tenant_id
            WHERE t.tenant_id = \(tenantID) AND t.contact_id = \(contactID)
              AND (\(micros)::bigint IS NULL
                   OR (t.occurred_at, t.id) < (timestamptz 'epoch' + \(micros)::bigint * interval '1 microsecond', \(cursor?.id)::uuid))
            ORDER BY t.occurred_at DESC, t.id DESC
            LIMIT \(limit)
            """,
            logger: logger
        )
        var entries: [TimelineEntry] = []
        for try await row in rows {
            var columns = row.makeIterator()
            let (id, kind, actorID, actorName, occurredAt, data) = (
                try columns.column(UUID.self), try columns.column(String.self), try columns.column(UUID?.self),
                try columns.column(String?.self), try columns.column(Date.self), try columns.column(String.self)
            )
            entries.append(TimelineEntry(id: id, kind: kind, actorID: actorID, actorName: actorName, occurredAt: occurredAt, data: data))
        }
        return entries
    }
}

/// What a timeline entry records.
public enum TimelineKind: String, Sendable, CaseIterable {
    case created
    case imported
    case note
    case stageChanged = "stage_changed"
    case ownerChanged = "owner_changed"
    case deleted
    case restored
    case call
    case message
    case payment
}

/// One entry as read back; `data` is its JSON object's text.
public struct TimelineEntry: Sendable, Equatable {
    public let id: UUID
    public let kind: String
    public let actorID: UUID?
    public let actorName: String?
    public let occurredAt: Date
    public let data: String
}

/// Where the previous timeline page ended.
public struct TimelineCursor: Sendable, Equatable {
    public let occurredAt: Date
    public let id: UUID

    public init(occurredAt: Date, id: UUID) {
        self.occurredAt = occurredAt
        self.id = id
    }
}
