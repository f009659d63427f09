import Foundation
import Logging
import PostgresNIO
import Realtime

/// The `call.*` events, written in the same transaction as the change they announce.
struct CallEvents: Sendable {
    let outbox = EventOutbox()

    struct Ringing: Encodable {
        let callId: UUID
        let caller: CallParty
        let strategy: CallStrategy
        let ringDeadline: Date?
        /// The CRM contact behind the caller, once contacts exist (null until then).
        let contact: UUID?
    }

    struct Accepted: Encodable {
        let callId: UUID
        let acceptedBy: CallParty
    }

    struct Declined: Encodable {
        let callId: UUID
        let declinedBy: UUID
    }

    struct CallOnly: Encodable {
        let callId: UUID
    }

    struct Missed: Encodable {
        let callId: UUID
        let reason: String
    }

    struct Ended: Encodable {
        let callId: UUID
        let durationSeconds: Int
        let endedBy: UUID
    }

    func emit(
        _ type: String, _ call: Call, to users: [UUID], payload: some Encodable, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let audience = Array(Set(users))
        guard !audience.isEmpty else { return }
        try await outbox.emit(call.tenantID, type: type, audience: .users(audience), payload: payload, on: connection, logger: logger)
    }
}
