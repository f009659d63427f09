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
        try await connection.query(
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

    /// Encodes `payload` and records it.
    public func emit(
        _ tenantID: UUID, type: String, audience: EventAudience, payload: some Encodable,
        on connection: PooledConnection, logger: Logger
    ) async throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let text = String(decoding: try encoder.encode(payload), as: UTF8.self)
        try await emit(tenantID, type: type, audience: audience, payload: text, on: connection, logger: logger)
    }
}
