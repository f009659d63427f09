import Foundation
import Logging
import PostgresNIO

/// Writes events into the outbox inside the caller's tenant transaction, so an event
/// exists exactly when the change it announces has committed.
public struct EventOutbox: Sendable {
    public init() {}

    /// Records `type` with `payload` (a JSON object's text) for `audience`.
    public func emit(
        _ tenantID: UUID, type: String, audience: EventAudience, payload: String,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO events (tenant_id, type, audience_user_ids, audience_roles, payload)
            VALUES (\(tenantID), \(type), \(audience.userIDs), \(audience.roles.map(\.rawValue)), \(payload)::jsonb)
            """,
            logger: logger
        )
    }

    /// Encodes `payload` and records it.
    public func emit(
        _ tenantID: UUID, type: String, audience: EventAudience, payload: some Encodable,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        let text = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        try await emit(tenantID, type: type, audience: audience, payload: text, on: connection, logger: logger)
    }
}
