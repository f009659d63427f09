import Accounts
import AsyncHTTPClient
import Contacts
import Foundation
import Logging
import Persistence
import PostgresNIO
import Realtime

/// Browser calls: who rings, first-accept-wins, the state machine, history, and the
/// LiveKit rooms and tokens that carry the media.
public struct CallService: Sendable {
    let database: Database
    let store: CallStore
    let transitions: CallTransitions
    let secrets: TenantSecretStore
    /// `LIVEKIT_URL` / `LIVEKIT_API_KEY` / `LIVEKIT_API_SECRET`; a tenant's settings override them.
    let globalLiveKit: LiveKitCredentials?
    let httpClient: HTTPClient
    /// Room tokens only gate joining, so they can be short.
    let tokenLifetime: TimeInterval = 600
    let customerContacts = CustomerContacts()

    public init(
        database: Database, presence: PresenceStore, secrets: TenantSecretStore, globalLiveKit: LiveKitCredentials?,
        httpClient: HTTPClient = .shared
    ) {
        self.database = database
        self.store = CallStore(nodeTimeoutSeconds: presence.timeoutSeconds)
        self.transitions = CallTransitions(store: store, presence: presence)
        self.secrets = secrets
        self.globalLiveKit = globalLiveKit
        self.httpClient = httpClient
    }

    struct TenantCallConfig {
        let settings: CallSettings
        let tenant: TenantSettings
        let livekit: LiveKitCredentials?
    }

    // MARK: starting a call

    /// Starts a call and returns it with the caller's room access. `replayed` is true
    /// when `idempotencyKey` named an earlier identical request (nothing new happened).
    public func start(
        _ target: CallTarget, by actor: CallActor, idempotencyKey: String?, logger: Logger
    ) async throws -> (call: Call, livekit: LiveKitJoin, replayed: Bool) {
        let fingerprint = target.fingerprint
        // Phase 1: settings, idempotency and the callee, read together with BEGIN and
        // the tenant scope and waited for once.
        let (config, earlier) = try await database.withTenant(
            actor.tenantID,
            first: { connection in
                let settings = await TenantStore().settingsAhead(actor.tenantID, on: connection, logger: logger)
                var earlier: Ahead<(id: UUID, requestHash: String?)?>?
                if let idempotencyKey {
                    earlier = await store.findAhead(
                        actor.tenantID, caller: actor.userID, idempotencyKey: idempotencyKey, on: connection, logger: logger)
                }
                var callee: Ahead<User?>?
                if let calleeID = target.calleeID {
                    callee = await UserStore().findAhead(actor.tenantID, id: calleeID, on: connection, logger: logger)
                }
                return (settings: settings, earlier: earlier, callee: callee)
            }, logger: logger
        ) { connection, reads in
            let config = try await tenantConfig(actor.tenantID, settings: reads.settings.value(), on: connection, logger: logger)
            if let earlier = try await reads.earlier?.value() {
                guard earlier.requestHash == fingerprint else { throw CallError.idempotencyKeyReused }
                return (config, try await store.find(actor.tenantID, id: earlier.id, on: connection, logger: logger))
            }
            try validateCallee(target, actor: actor, user: try await reads.callee?.value())
            return (config, nil as Call?)
        }
        // The earlier request was refused with nobody to ring (recorded as missed, no
        // offers, room deleted): replay the refusal, not a 201 with a dead room.
        if let earlier, earlier.status == .missed, earlier.endReason == "no-agents", earlier.offers.isEmpty {
            throw CallError.noReachableAgent(callID: earlier.id)
        }
        guard let livekit = config.livekit else { throw CallError.sfuNotConfigured }
        if let earlier {
            return (earlier, join(earlier, as: actor.party, role: "caller", credentials: livekit), true)
        }

        // Phase 2: the room, outside any transaction (a slow SFU must not hold one open).
        let callID = UUID.timeOrdered()
        let room = "call-\(callID.uuidString.lowercased())"
        let rooms = RoomServiceClient(credentials: livekit, httpClient: httpClient)
        do {
            try await rooms.createRoom(room, emptyTimeout: config.settings.ringTimeoutSeconds + 60, maxParticipants: 2, logger: logger)
        } catch {
            logger.warning("LiveKit CreateRoom failed", metadata: ["error": "\(error)"])
            throw CallError.sfuUnavailable("\(error)")
        }

        // Phase 3: route and record, atomically with the ringing events.
        let result: Result<Call, CallError>
        do {
            result = try await database.withTenant(actor.tenantID, logger: logger) { connection in
                try await record(
                    callID: callID, room: room, target: target, actor: actor, settings: config.settings, tenantSettings: config.tenant,
                    idempotencyKey: idempotencyKey, fingerprint: fingerprint, on: connection, logger: logger
                )
            }
        } catch {
            await deleteRoomQuietly(room, credentials: livekit, logger: logger)
            if error.violatedUniqueConstraint != nil, let idempotencyKey {
                // The same request raced itself: answer with the winner.
                return try await start(target, by: actor, idempotencyKey: idempotencyKey, logger: logger)
            }
            throw error
        }
        switch result {
        case .success(let call):
            return (call, join(call, as: actor.party, role: "caller", credentials: livekit), false)
        case .failure(let error):
            await deleteRoomQuietly(room, credentials: livekit, logger: logger)
            throw error
        }
    }

    /// Inserts the call with its offers and `call.ringing` events; with nobody to
    /// ring, inserts it as missed and answers `noReachableAgent` (committed: the
    /// missed call stays on record).
    private func record(
        callID: UUID, room: String, target: CallTarget, actor: CallActor, settings: CallSettings, tenantSettings: TenantSettings,
        idempotencyKey: String?, fingerprint: String, on connection: PooledConnection, logger: Logger
    ) async throws -> Result<Call, CallError> {
        switch target {
        case .agent(let agentID):
            try await store.lockRouting(actor.tenantID, between: actor.userID, and: agentID, on: connection, logger: logger)
        case .customer(let customerID):
            try await store.lockRouting(actor.tenantID, between: actor.userID, and: customerID, on: connection, logger: logger)
        case .anyAgent: try await store.lockRouting(actor.tenantID, on: connection, logger: logger)
        }
        // Sent behind the lock, answered together with the routing read below.
        let customer: UUID = if case .customer(let id) = target { id } else { actor.userID }
        let linked = await customerContacts.linkedAhead(actor.tenantID, customer: customer, on: connection, logger: logger)
        let now = Date()
        var strategy = CallStrategy.direct
        var ring: [UUID] = []
        var callee: CallParty?
        switch target {
        case .agent(let agentID):
            // Only the named agent's routing state: a direct call need not look at everyone.
            let candidates = try await store.candidates(actor.tenantID, only: agentID, on: connection, logger: logger)
            if let agent = candidates.first(where: { $0.id == agentID }), agent.canRing { ring = [agent.id] }
        case .anyAgent(let requested):
            strategy = requested ?? CallStrategy(rawValue: settings.defaultStrategy) ?? .ringAll
            let free = CallRouting.roundRobinOrder(try await store.candidates(actor.tenantID, on: connection, logger: logger))
            ring = strategy == .roundRobin ? free.prefix(1).map(\.id) : free.map(\.id)
        case .customer(let customerID):
            // Customers have no presence: ring them, and the deadline decides.
            ring = [customerID]
            callee = nil
        }
        var call = Call(
            id: callID, tenantID: actor.tenantID, status: .ringing, strategy: strategy, caller: actor.party, callee: callee,
            room: room, ringDeadline: now.addingTimeInterval(TimeInterval(settings.ringTimeoutSeconds)), createdAt: now,
            answeredAt: nil, endedAt: nil, durationSeconds: nil, endReason: nil, endedBy: nil, offers: []
        )
        call.contact = try await customerContacts.resolve(
            actor.tenantID, customer: customer, linked: linked, settings: tenantSettings, on: connection, logger: logger)
        guard !ring.isEmpty else {
            call.status = .missed
            call.endReason = "no-agents"
            call.endedAt = now
            call.ringDeadline = nil
            try await store.insert(call, idempotencyKey: idempotencyKey, requestHash: fingerprint, on: connection, logger: logger)
            try await transitions.events.emit(
                "call.missed", call, to: [actor.userID], payload: CallEvents.Missed(callId: callID, reason: "no-agents"),
                on: connection, logger: logger
            )
            return .failure(.noReachableAgent(callID: callID))
        }
        try await store.insert(call, idempotencyKey: idempotencyKey, requestHash: fingerprint, on: connection, logger: logger)
        // Written with `now` as its times, so the call needs no read back.
        call.offers = try await store.offer(callID, tenantID: actor.tenantID, to: ring, at: now, on: connection, logger: logger)
        try await transitions.events.emit(
            "call.ringing", call, to: ring,
            payload: CallEvents.Ringing(
                callId: callID, caller: actor.party, strategy: strategy, ringDeadline: call.ringDeadline, contact: call.contact),
            on: connection, logger: logger
        )
        return .success(call)
    }

    /// Whether `actor` may call `target`; `callee` is the user `target` names, as read.
    private func validateCallee(_ target: CallTarget, actor: CallActor, user callee: User?) throws {
        switch target {
        case .agent:
            guard actor.role == .customer else { throw CallError.forbidden("Staff call customers with `customerId`.") }
            guard let callee, callee.status == .active, callee.role != .customer else { throw CallError.calleeNotFound }
        case .anyAgent:
            guard actor.role == .customer else { throw CallError.forbidden("Staff call customers with `customerId`.") }
        case .customer:
            guard actor.role != .customer else { throw CallError.forbidden("Customers call agents with `agentId` or `strategy`.") }
            guard let callee, callee.status == .active, callee.role == .customer else { throw CallError.calleeNotFound }
        }
    }

    // MARK: transitions

    /// The callee accepts; the first accept wins. Answers the callee's room access.
    public func accept(_ callID: UUID, by actor: CallActor, logger: Logger) async throws -> (call: Call, livekit: LiveKitJoin) {
        let (call, config) = try await transition(callID, by: actor, logger: logger) { call, _, connection in
            try await transitions.accept(call, by: actor.party, on: connection, logger: logger)
        }
        guard let livekit = config.livekit else { throw CallError.sfuNotConfigured }
        return (call, join(call, as: actor.party, role: "callee", credentials: livekit))
    }

    public func decline(_ callID: UUID, by actor: CallActor, logger: Logger) async throws -> Call {
        try await finishing(callID, by: actor, logger: logger) { call, config, connection in
            try await transitions.decline(call, by: actor.userID, settings: config.settings, on: connection, logger: logger)
        }
    }

    public func cancel(_ callID: UUID, by actor: CallActor, logger: Logger) async throws -> Call {
        try await finishing(callID, by: actor, logger: logger) { call, _, connection in
            try await transitions.cancel(call, by: actor.userID, on: connection, logger: logger)
        }
    }

    public func end(_ callID: UUID, by actor: CallActor, logger: Logger) async throws -> Call {
        try await finishing(callID, by: actor, logger: logger) { call, config, connection in
            try await transitions.end(call, by: actor.userID, settings: config.settings, on: connection, logger: logger)
        }
    }

    /// A transition that may end the call: its room is deleted afterwards.
    private func finishing(
        _ callID: UUID, by actor: CallActor, logger: Logger,
        _ body: (Call, TenantCallConfig, PooledConnection) async throws -> Call
    ) async throws -> Call {
        let (call, config) = try await transition(callID, by: actor, logger: logger, body)
        if call.status.isFinal, let livekit = config.livekit {
            await deleteRoomQuietly(call.room, credentials: livekit, logger: logger)
        }
        return call
    }

    private func transition(
        _ callID: UUID, by actor: CallActor, logger: Logger,
        _ body: (Call, TenantCallConfig, PooledConnection) async throws -> Call
    ) async throws -> (Call, TenantCallConfig) {
        // The settings and the call, locked, read together with BEGIN and the tenant
        // scope and waited for once.
        try await database.withTenant(
            actor.tenantID,
            first: { connection in
                (
                    settings: await TenantStore().settingsAhead(actor.tenantID, on: connection, logger: logger),
                    call: await store.findAhead(actor.tenantID, id: callID, lock: true, on: connection, logger: logger)
                )
            }, logger: logger
        ) { connection, reads in
            guard let call = try await reads.call.value(),
                call.isParticipant(actor.userID) || call.offers.contains(where: { $0.userId == actor.userID })
            else { throw CallError.notFound }
            let config = try await tenantConfig(actor.tenantID, settings: reads.settings.value(), on: connection, logger: logger)
            return (try await body(call, config, connection), config)
        }
    }

    // MARK: reading

    /// A call the actor may see: customers only their own; staff any in the tenant.
    public func get(_ callID: UUID, by actor: CallActor, logger: Logger) async throws -> Call {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            guard let call = try await store.find(actor.tenantID, id: callID, on: connection, logger: logger),
                actor.role != .customer || call.isParticipant(actor.userID) || call.offers.contains(where: { $0.userId == actor.userID })
            else { throw CallError.notFound }
            return call
        }
    }

    public func list(
        _ filter: CallFilter, after cursor: (Date, UUID)?, limit: Int, by actor: CallActor, logger: Logger
    ) async throws -> [Call] {
        var filter = filter
        if actor.role == .customer { filter.onlyFor = actor.userID }
        let scoped = filter
        return try await database.withTenant(actor.tenantID, logger: logger) { connection in
            try await store.page(actor.tenantID, filter: scoped, after: cursor, limit: limit, on: connection, logger: logger)
        }
    }

    /// Every staff member with what routing knows about them.
    public func agents(_ tenantID: UUID, logger: Logger) async throws -> [AgentCandidate] {
        try await database.withTenant(tenantID, logger: logger) { connection in
            try await store.candidates(tenantID, on: connection, logger: logger)
        }
    }

    // MARK: deadlines

    /// Times out ringing calls past their deadline and restores statuses after
    /// wrap-up, on any node; returns how many calls it settled.
    @discardableResult
    public func enforceDeadlines(logger: Logger) async throws -> Int {
        let settled = try await database.withCrossTenantAccess(.callDeadlines, logger: logger) { connection in
            let due = try await store.dueRinging(limit: 100, on: connection, logger: logger)
            var settled: [(Call, LiveKitCredentials?)] = []
            for (tenantID, id) in due {
                guard let call = try await store.find(tenantID, id: id, on: connection, logger: logger) else { continue }
                guard let tenant = try await TenantStore().find(id: tenantID, on: connection, logger: logger) else {
                    throw CallError.notFound
                }
                let config = try await tenantConfig(tenantID, settings: tenant.settings, on: connection, logger: logger)
                settled.append(
                    (try await transitions.timeOut(call, settings: config.settings, on: connection, logger: logger), config.livekit))
            }
            try await transitions.presence.restoreDue(on: connection, logger: logger)
            return settled
        }
        for (call, livekit) in settled where call.status.isFinal {
            if let livekit { await deleteRoomQuietly(call.room, credentials: livekit, logger: logger) }
        }
        return settled.count
    }

    // MARK: LiveKit

    private func tenantConfig(
        _ tenantID: UUID, settings: TenantSettings, on connection: PooledConnection, logger: Logger
    ) async throws -> TenantCallConfig {
        var livekit = globalLiveKit
        if let url = settings.livekit.url, let apiKey = settings.livekit.apiKey,
            let secret = try await secrets.read(tenantID, name: .livekitApiSecret, on: connection, logger: logger)
        {
            livekit = LiveKitCredentials(url: url, apiKey: apiKey, apiSecret: secret)
        }
        return TenantCallConfig(settings: settings.calls, tenant: settings, livekit: livekit)
    }

    func join(_ call: Call, as party: CallParty, role: String, credentials: LiveKitCredentials) -> LiveKitJoin {
        let now = Date()
        let metadata = "{\"callId\":\"\(call.id.uuidString)\",\"role\":\"\(role)\",\"type\":\"\(party.type.rawValue)\"}"
        let token = LiveKitAccessToken(
            apiKey: credentials.apiKey, identity: party.id.uuidString, name: party.name, metadata: metadata,
            video: .join(call.room), notBefore: now, expiresAt: now.addingTimeInterval(tokenLifetime)
        ).signed(secret: credentials.apiSecret)
        return LiveKitJoin(url: credentials.url, token: token)
    }

    private func deleteRoomQuietly(_ room: String, credentials: LiveKitCredentials, logger: Logger) async {
        do {
            try await RoomServiceClient(credentials: credentials, httpClient: httpClient).deleteRoom(room, logger: logger)
        } catch {
            // The room's empty timeout closes it anyway.
            logger.warning("LiveKit DeleteRoom failed", metadata: ["room": "\(room)", "error": "\(error)"])
        }
    }
}
