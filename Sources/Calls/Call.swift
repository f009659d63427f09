import Contacts
import Foundation

public enum CallStatus: String, Codable, Sendable, CaseIterable {
    case ringing, accepted, ended, declined, missed, cancelled

    /// Whether the call is over (no transition leaves these).
    public var isFinal: Bool { self != .ringing && self != .accepted }
}

public enum CallStrategy: String, Codable, Sendable {
    /// One named callee.
    case direct
    /// Every reachable available agent at once; the first accept wins.
    case ringAll = "ring-all"
    /// One agent at a time, least recently offered first; a decline or timeout moves on.
    case roundRobin = "round-robin"
}

/// Staff (owner, admin, agent) or a portal customer.
public enum ParticipantType: String, Codable, Sendable {
    case staff, customer
}

/// Someone a call rang, and what became of that.
public struct CallOffer: Sendable, Equatable, Codable {
    public enum State: String, Codable, Sendable {
        case ringing, accepted, declined
        case timedOut = "timed-out"
        case answeredElsewhere = "answered-elsewhere"
        case cancelled, missed
    }

    public let userId: UUID
    public let state: State
    public let offeredAt: Date
}

/// A call party as the API shows it.
public struct CallParty: Sendable, Equatable, Codable {
    public let id: UUID
    public let name: String
    public let type: ParticipantType
}

/// A browser call, persisted from ringing to its end.
public struct Call: Sendable, Equatable {
    public let id: UUID
    public let tenantID: UUID
    public var status: CallStatus
    public let strategy: CallStrategy
    public let caller: CallParty
    public var callee: CallParty?
    public let room: String
    public var ringDeadline: Date?
    public let createdAt: Date
    public var answeredAt: Date?
    public var endedAt: Date?
    public var durationSeconds: Int?
    public var endReason: String?
    public var endedBy: UUID?
    public var offers: [CallOffer]
    /// The customer's CRM contact the call is filed under.
    public var contact: CustomerContact? = nil

    /// The call with the ringing offers of `users` moved to `state`, as
    /// `CallStore.settleRingingOffers` wrote them.
    func settlingOffers(of users: [UUID], to state: CallOffer.State) -> Call {
        var call = self
        call.offers = offers.map { offer in
            offer.state == .ringing && users.contains(offer.userId)
                ? CallOffer(userId: offer.userId, state: state, offeredAt: offer.offeredAt) : offer
        }
        return call
    }

    /// Whether `userID` is the caller or the callee who accepted.
    public func isParticipant(_ userID: UUID) -> Bool {
        caller.id == userID || callee?.id == userID
    }
}
