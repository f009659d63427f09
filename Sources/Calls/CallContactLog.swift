import Contacts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Files a finished call under its contact: a `call` entry on the contact's timeline
/// and, when a customer's call went unanswered, a callback task.
struct CallContactLog: Sendable {
    let timeline = ContactTimeline()
    let tasks = ContactTasks.Writer()

    struct Entry: Encodable {
        let callId: UUID
        let direction: String
        let status: CallStatus
        let endReason: String?
        let durationSeconds: Int?
        let agent: CallParty?
    }

    /// Records `call`, which has just reached a final state.
    func record(_ call: Call, on connection: PooledConnection, logger: Logger) async throws {
        guard let contact = call.contact, call.status.isFinal else { return }
        let inbound = call.caller.type == .customer
        let agent = inbound ? call.callee : call.caller
        try await timeline.record(
            call.tenantID, contact: contact.id, kind: .call, actor: inbound ? nil : call.caller.id,
            data: Entry(
                callId: call.id, direction: inbound ? "inbound" : "outbound", status: call.status, endReason: call.endReason,
                durationSeconds: call.durationSeconds, agent: agent),
            at: call.endedAt, on: connection, logger: logger)
        if inbound, call.status == .missed || call.status == .declined {
            // A call to one named agent leaves the callback with that agent when the
            // contact has no owner: the customer asked for them.
            let asked = call.strategy == .direct ? call.offers.first?.userId : nil
            try await tasks.createCallback(
                call.tenantID, contact: contact, callID: call.id, fallbackAssignee: asked, on: connection, logger: logger)
        }
    }
}
