import Accounts
import Foundation
import Logging
import Persistence
import PostgresNIO
import Realtime

/// The call state machine. Each method runs inside a transaction the caller opened
/// (a tenant transaction for API requests, the sweeper's cross-tenant one for
/// deadlines), with the call row locked, and writes the change and its events
/// together.
///
///     ringing ──accept──▶ accepted ──end──▶ ended
///        │ ├─decline (last offer, or direct)──▶ declined
///        │ ├─cancel (caller)──▶ cancelled
///        │ └─timeout, or round robin out of agents──▶ missed
struct CallTransitions: Sendable {
    let store: CallStore
    let presence: PresenceStore
    let events = CallEvents()

    func accept(_ call: Call, by user: CallParty, on connection: PooledConnection, logger: Logger) async throws -> Call {
        guard call.status == .ringing, call.offers.contains(where: { $0.userId == user.id && $0.state == .ringing }) else {
            throw CallError.conflict(
                call.status == .accepted ? "The call was answered by someone else." : "The call is not ringing for you."
            )
        }
        var call = call
        call.status = .accepted
        call.callee = user
        call.answeredAt = Date()
        call.ringDeadline = nil
        try await store.update(call, on: connection, logger: logger)
        let accepted = try await store.settleRingingOffers(of: call, user: user.id, to: .accepted, on: connection, logger: logger)
        let others = try await store.settleRingingOffers(
            of: call.settlingOffers(of: accepted, to: .accepted), to: .answeredElsewhere, on: connection, logger: logger)
        for party in [call.caller, user] where party.type == .staff {
            try await presence.markBusyForCall(call.tenantID, party.id, on: connection, logger: logger)
        }
        try await events.emit(
            "call.accepted", call, to: [call.caller.id, user.id], payload: CallEvents.Accepted(callId: call.id, acceptedBy: user),
            on: connection, logger: logger
        )
        try await events.emit(
            "call.answered_elsewhere", call, to: others, payload: CallEvents.Accepted(callId: call.id, acceptedBy: user),
            on: connection, logger: logger
        )
        return try await reload(call, on: connection, logger: logger)
    }

    /// A callee turns the call down. Round robin moves to the next agent; ring-all
    /// ends only when everyone rung has declined.
    func decline(
        _ call: Call, by userID: UUID, settings: CallSettings, on connection: PooledConnection, logger: Logger
    ) async throws -> Call {
        guard call.status == .ringing, call.offers.contains(where: { $0.userId == userID && $0.state == .ringing }) else {
            throw CallError.conflict("The call is not ringing for you.")
        }
        let declined = try await store.settleRingingOffers(of: call, user: userID, to: .declined, on: connection, logger: logger)
        // The call row is locked, so the offers are as read plus this change.
        let call = call.settlingOffers(of: declined, to: .declined)
        switch call.strategy {
        case .roundRobin:
            return try await offerNext(call, settings: settings, on: connection, logger: logger)
        case .ringAll where call.offers.contains(where: { $0.state == .ringing }):
            return call
        case .direct, .ringAll:
            var ended = call
            ended.status = .declined
            ended.endReason = "declined"
            ended.endedAt = Date()
            ended.ringDeadline = nil
            try await store.update(ended, on: connection, logger: logger)
            try await events.emit(
                "call.declined", ended, to: [ended.caller.id], payload: CallEvents.Declined(callId: ended.id, declinedBy: userID),
                on: connection, logger: logger
            )
            return ended
        }
    }

    func cancel(_ call: Call, by userID: UUID, on connection: PooledConnection, logger: Logger) async throws -> Call {
        guard call.caller.id == userID else { throw CallError.forbidden("Only the caller can cancel a call.") }
        guard call.status == .ringing else {
            throw CallError.conflict("Only a ringing call can be cancelled; this one is \(call.status.rawValue).")
        }
        var call = call
        call.status = .cancelled
        call.endReason = "cancelled"
        call.endedAt = Date()
        call.endedBy = userID
        call.ringDeadline = nil
        try await store.update(call, on: connection, logger: logger)
        let rung = try await store.settleRingingOffers(of: call, to: .cancelled, on: connection, logger: logger)
        try await events.emit(
            "call.cancelled", call, to: rung + [call.caller.id], payload: CallEvents.CallOnly(callId: call.id),
            on: connection, logger: logger
        )
        return try await reload(call, on: connection, logger: logger)
    }

    func end(
        _ call: Call, by userID: UUID, settings: CallSettings, on connection: PooledConnection, logger: Logger
    ) async throws -> Call {
        // Everyone the call rang answers alike while it rings (409: decline or cancel
        // instead); once someone else took it, the others are not in it (404).
        let rung = call.offers.contains { $0.userId == userID }
        guard call.isParticipant(userID) || rung else { throw CallError.notFound }
        guard call.status == .accepted else {
            throw CallError.conflict("Only an accepted call can be ended; this one is \(call.status.rawValue).")
        }
        guard call.isParticipant(userID) else { throw CallError.notFound }
        var call = call
        let now = Date()
        call.status = .ended
        call.endReason = "completed"
        call.endedAt = now
        call.endedBy = userID
        call.durationSeconds = max(0, Int(now.timeIntervalSince(call.answeredAt ?? now).rounded()))
        try await store.update(call, on: connection, logger: logger)
        for party in [call.caller, call.callee].compactMap({ $0 }) where party.type == .staff {
            try await presence.releaseAfterCall(
                call.tenantID, party.id, wrapUpSeconds: settings.wrapUpSeconds, on: connection, logger: logger
            )
        }
        try await events.emit(
            "call.ended", call, to: [call.caller.id, call.callee?.id].compactMap { $0 },
            payload: CallEvents.Ended(callId: call.id, durationSeconds: call.durationSeconds ?? 0, endedBy: userID),
            on: connection, logger: logger
        )
        return try await reload(call, on: connection, logger: logger)
    }

    /// The ring deadline passed: round robin tries the next agent, others are missed.
    func timeOut(_ call: Call, settings: CallSettings, on connection: PooledConnection, logger: Logger) async throws -> Call {
        guard call.status == .ringing else { return call }
        if call.strategy == .roundRobin {
            try await store.settleRingingOffers(of: call, to: .timedOut, on: connection, logger: logger)
            return try await offerNext(
                try await reload(call, on: connection, logger: logger), settings: settings, on: connection, logger: logger)
        }
        return try await miss(call, reason: "timeout", on: connection, logger: logger)
    }

    /// Round robin: rings the least recently offered free agent not yet tried on this
    /// call, or misses the call when none is left.
    func offerNext(_ call: Call, settings: CallSettings, on connection: PooledConnection, logger: Logger) async throws -> Call {
        try await store.lockRouting(call.tenantID, on: connection, logger: logger)
        let tried = Set(call.offers.map(\.userId))
        let candidates = try await store.candidates(call.tenantID, on: connection, logger: logger)
        guard let next = CallRouting.roundRobinOrder(candidates.filter { !tried.contains($0.id) }).first else {
            return try await miss(call, reason: "no-agents", on: connection, logger: logger)
        }
        var call = call
        call.ringDeadline = Date().addingTimeInterval(TimeInterval(settings.ringTimeoutSeconds))
        try await store.update(call, on: connection, logger: logger)
        try await store.offer(call.id, tenantID: call.tenantID, to: [next.id], at: Date(), on: connection, logger: logger)
        try await events.emit(
            "call.ringing", call, to: [next.id],
            payload: CallEvents.Ringing(
                callId: call.id, caller: call.caller, strategy: call.strategy, ringDeadline: call.ringDeadline, contact: call.contact),
            on: connection, logger: logger
        )
        return try await reload(call, on: connection, logger: logger)
    }

    func miss(_ call: Call, reason: String, on connection: PooledConnection, logger: Logger) async throws -> Call {
        var call = call
        call.status = .missed
        call.endReason = reason == "no-agents" ? "no-agents" : "missed"
        call.endedAt = Date()
        call.ringDeadline = nil
        try await store.update(call, on: connection, logger: logger)
        let rung = try await store.settleRingingOffers(of: call, to: .missed, on: connection, logger: logger)
        try await events.emit(
            "call.missed", call, to: rung + [call.caller.id], payload: CallEvents.Missed(callId: call.id, reason: reason),
            on: connection, logger: logger
        )
        return try await reload(call, on: connection, logger: logger)
    }

    func reload(_ call: Call, on connection: PooledConnection, logger: Logger) async throws -> Call {
        guard let fresh = try await store.find(call.tenantID, id: call.id, on: connection, logger: logger) else { throw CallError.notFound }
        return fresh
    }
}
