import Accounts
import Contacts
import Foundation
import Logging
import Persistence
import PostgresNIO
import Realtime

/// The `call.*` events, written in the same transaction as the change they announce.
struct CallEvents: Sendable {
    let outbox = EventOutbox()
    let contactLog = CallContactLog()

    struct Ringing: Encodable {
        let callId: UUID
        let caller: CallParty
        let strategy: CallStrategy
        let ringDeadline: Date?
        /// The customer's CRM contact (for the popup: name, phone, stage, owner).
        let contact: CustomerContact?
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

    /// A call's state after a change, for supervisors' live board: `call.updated`,
    /// to the tenant's owners and admins, once per change.
    struct BoardUpdate: Encodable {
        let callId: UUID
        /// The participant event this change sent (`call.ringing`, `call.accepted`, ...).
        let change: String
        let status: CallStatus
        let strategy: CallStrategy
        let caller: CallParty
        let callee: CallParty?
        /// Who the change rang (for `call.ringing`).
        let ringing: [UUID]
        let endReason: String?
        let durationSeconds: Int?
    }

    static let boardAudience = EventAudience(roles: [.owner, .admin])

    /// Emits `type` to `users` (the participants) and the call's new state to the
    /// live board. `call` is the call after the change.
    func emit(
        _ type: String, _ call: Call, to users: [UUID], payload: some Encodable, on connection: PooledConnection, logger: Logger
    ) async throws {
        if ["call.declined", "call.cancelled", "call.ended", "call.missed"].contains(type) {
            try await contactLog.record(call, on: connection, logger: logger)
        }
        let audience = Array(Set(users))
        var entries: [EventOutbox.Entry] = []
        if !audience.isEmpty {
            entries.append(try EventOutbox.Entry(type: type, audience: .users(audience), encoding: payload))
        }
        // `call.answered_elsewhere` is the other half of `call.accepted`: one change.
        if type != "call.answered_elsewhere" {
            let update = BoardUpdate(
                callId: call.id, change: type, status: call.status, strategy: call.strategy, caller: call.caller, callee: call.callee,
                ringing: type == "call.ringing" ? audience : [], endReason: call.endReason, durationSeconds: call.durationSeconds
            )
            entries.append(try EventOutbox.Entry(type: "call.updated", audience: Self.boardAudience, encoding: update))
        }
        // The participants' event and the board's in one statement (a round trip less
        // per change: call set-up is bound by the database's per-statement work).
        try await outbox.emit(call.tenantID, entries, on: connection, logger: logger)
    }
}
