import Foundation
import Logging
import Persistence
import PostgresNIO

/// Writes events into the outbox inside the caller's tenant transaction, so an event
/// exists exactly when the change it announces has committed.
public struct EventOutbox: Sendable {
    public init() {}

    /// The channel a node LISTENs on. A notification carries only the event's row id:
    /// it is a wake-up, the event itself is read from the table (it may be large, and
    /// NOTIFY payloads are capped at 8 kB).
    public static let channel = "switchboard_events"

    /// Records `type` with `payload` (a JSON object's text) for `audience`. The NOTIFY
    /// is delivered when, and only if, the caller's transaction commits.
    public func emit(
        _ tenantID: UUID, type: String, audience: EventAudience, payload: String,
        on connection: PooledConnection, logger: Logger
    ) async throws {
        try await connection.write(
            Self.emitQuery(tenantID, type: type, audience: audience, payload: payload), preparedAs: Emit.self, logger: logger)
    }

    /// Every state change of every feature emits: prepared.
    enum Emit: PreparedSQL {
        static let sql = EventOutbox.emitQuery(UUID(), type: "", audience: EventAudience(userIDs: [], roles: []), payload: "").sql
        static let types: [PostgresDataType] = [.uuid, .text, .uuidArray, .textArray, .text]
    }

    static func emitQuery(_ tenantID: UUID, type: String, audience: EventAudience, payload: String) -> PostgresQuery {
        """
        WITH inserted AS (
            INSERT INTO events (tenant_id, type, audience_user_ids, audience_roles, payload)
            VALUES (\(tenantID), \(type), \(audience.userIDs), \(audience.roles.map(\.rawValue)), \(payload)::jsonb)
            RETURNING id
        )
        SELECT pg_notify('switchboard_events', id::text) FROM inserted
        """
    }

    /// An event to record: its type, who hears it, and its payload (a JSON object's text).
    public struct Entry: Sendable {
        public let type: String
        public let audience: EventAudience
        public let payload: String

        public init(type: String, audience: EventAudience, payload: String) {
            self.type = type
            self.audience = audience
            self.payload = payload
        }

        /// `payload` encoded as every event is (dates in ISO 8601).
        public init(type: String, audience: EventAudience, encoding payload: some Encodable) throws {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            self.init(type: type, audience: audience, payload: String(decoding: try encoder.encode(payload), as: UTF8.self))
        }
    }

    /// Records `entries` in one statement, in their order (their ids, and so their
    /// delivery order, follow it), each with its NOTIFY as `emit` does.
    public func emit(_ tenantID: UUID, _ entries: [Entry], on connection: PooledConnection, logger: Logger) async throws {
        guard !entries.isEmpty else { return }
        try await connection.write(Self.emitManyQuery(tenantID, entries), preparedAs: EmitMany.self, logger: logger)
    }

    enum EmitMany: PreparedSQL {
        static let sql = EventOutbox.emitManyQuery(UUID(), []).sql
    }

    /// An array bind cannot carry arrays of different lengths: each audience travels
    /// as comma-separated text (ids and role names hold no comma).
    static func emitManyQuery(_ tenantID: UUID, _ entries: [Entry]) -> PostgresQuery {
        let users = entries.map { $0.audience.userIDs.map(\.uuidString).joined(separator: ",") }
        let roles = entries.map { $0.audience.roles.map(\.rawValue).joined(separator: ",") }
        return """
            WITH inserted AS (
                INSERT INTO events (tenant_id, type, audience_user_ids, audience_roles, payload)
                SELECT \(tenantID), e.type, string_to_array(e.users, ',')::uuid[], string_to_array(e.roles, ','), e.payload::jsonb
                FROM unnest(\(entries.map(\.type))::text[], \(users)::text[], \(roles)::text[], \(entries.map(\.payload))::text[])
                     WITH ORDINALITY AS e(type, users, roles, payload, n)
                ORDER BY e.n
                RETURNING id
            )
            SELECT pg_notify('switchboard_events', id::text) FROM inserted
            """
    }

    /// Encodes `payload` and records it.
    public func emit(
        _ tenantID: UUID, type: String, audience: EventAudience, payload: some Encodable,
        on connection: PooledConnection, logger: Logger
    ) async throws {
        let entry = try Entry(type: type, audience: audience, encoding: payload)
        try await emit(tenantID, type: type, audience: audience, payload: entry.payload, on: connection, logger: logger)
    }
}
