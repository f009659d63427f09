import Calls
import Contacts
import Foundation
import Hummingbird

/// A call as the API shows it. Customers do not see which agents were offered it.
struct CallResponse: ResponseEncodable, Sendable {
    let id: UUID
    let status: CallStatus
    let strategy: CallStrategy
    let caller: CallParty
    let callee: CallParty?
    let room: String
    let offers: [CallOffer]?
    let ringDeadline: Date?
    let createdAt: Date
    let answeredAt: Date?
    let endedAt: Date?
    let durationSeconds: Int?
    let endReason: String?
    let endedBy: UUID?
    /// The customer's CRM contact the call is filed under (staff only).
    let contact: CustomerContact?
    /// Present on start and accept: how the caller or callee joins the media room.
    let livekit: LiveKitJoin?

    init(_ call: Call, forCustomer: Bool, livekit: LiveKitJoin? = nil) {
        id = call.id
        status = call.status
        strategy = call.strategy
        caller = call.caller
        callee = call.callee
        room = call.room
        offers = forCustomer ? nil : call.offers
        ringDeadline = call.ringDeadline
        createdAt = call.createdAt
        answeredAt = call.answeredAt
        endedAt = call.endedAt
        durationSeconds = call.durationSeconds
        endReason = call.endReason
        endedBy = call.endedBy
        contact = forCustomer ? nil : call.contact
        self.livekit = livekit
    }
}

/// `GET /v1/agents/available`: what a customer may see of an agent.
struct AvailableAgent: Encodable, Sendable {
    let id: UUID
    let name: String
    let initials: String
}

/// `GET /v1/agents/available` for staff: every agent with presence and call state.
struct AgentState: Encodable, Sendable {
    let id: UUID
    let name: String
    let initials: String
    let status: String
    let reachable: Bool
    let available: Bool
    let ringing: Bool
    let onCall: Bool
}

struct ItemList<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    let items: [Item]
}

/// `POST /v1/calls` body: `{agentId}` or `{strategy}` (customers), `{customerId}` (staff).
struct StartCallRequest: Decodable {
    let agentId: String?
    let customerId: String?
    let strategy: String?

    func target(for role: String) throws -> CallTarget {
        var validator = FieldValidator()
        let given = [agentId, customerId, strategy].compactMap { $0 }.count
        if given > 1 { validator.fail("", "give only one of agentId, customerId, strategy") }
        var target: CallTarget?
        if let agentId {
            if let id = UUID(uuidString: agentId) { target = .agent(id) } else { validator.fail("/agentId", "must be a user id") }
        } else if let customerId {
            if let id = UUID(uuidString: customerId) { target = .customer(id) } else { validator.fail("/customerId", "must be a user id") }
        } else if let strategy {
            switch strategy {
            case "ring-all": target = .anyAgent(.ringAll)
            case "round-robin": target = .anyAgent(.roundRobin)
            default: validator.fail("/strategy", "must be ring-all or round-robin")
            }
        } else if role == "customer" {
            target = .anyAgent(nil)
        } else {
            validator.fail("/customerId", "is required")
        }
        try validator.finish()
        guard let target else { throw AppError.validation(pointer: "", "give agentId, customerId or strategy") }
        return target
    }
}
