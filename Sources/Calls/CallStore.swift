import Accounts
import Contacts
import Foundation
import Logging
import Persistence
import PostgresNIO
import Realtime

/// SQL for calls and their offers. Every statement names the tenant; callers run
/// them inside `Database.withTenant` (or the deadline sweeper's cross-tenant scan).
struct CallStore: Sendable {
    /// A node whose heartbeat is older than this does not make its users reachable.
    let nodeTimeoutSeconds: Double

    func insert(
        _ call: Call, idempotencyKey: String?, requestHash: String?, on connection: PooledConnection, logger: Logger
    ) async throws {
        try await connection.write(
            Self.insertQuery(call, idempotencyKey: idempotencyKey, requestHash: requestHash), preparedAs: Insert.self, logger: logger)
    }

    static func insertQuery(_ call: Call, idempotencyKey: String?, requestHash: String?) -> PostgresQuery {
        """
        INSERT INTO calls (id, tenant_id, status, strategy, caller_id, caller_type, callee_id, callee_type, room,
                           ring_deadline, end_reason, ended_at, idempotency_key, request_hash, contact_id, created_at)
        VALUES (\(call.id), \(call.tenantID), \(call.status.rawValue), \(call.strategy.rawValue), \(call.caller.id),
                \(call.caller.type.rawValue), \(call.callee?.id), \(call.callee?.type.rawValue), \(call.room),
                \(call.ringDeadline), \(call.endReason), \(call.endedAt), \(idempotencyKey), \(requestHash), \(call.contact?.id),
                \(call.createdAt))
        """
    }

    /// Rings `userIDs` as of `time`; answers the offers as a read of the call would.
    @discardableResult
    func offer(
        _ callID: UUID, tenantID: UUID, to userIDs: [UUID], at time: Date, on connection: PooledConnection, logger: Logger
    ) async throws -> [CallOffer] {
        guard !userIDs.isEmpty else { return [] }
        try await connection.write(
            Self.offerQuery(callID, tenantID: tenantID, to: userIDs, at: time), preparedAs: Offer.self, logger: logger)
        // A read orders offers by (offered_at, user_id); uuids compare as their bytes,
        // which is the order of their hex strings.
        return userIDs.sorted { $0.sortsBefore($1) }.map { CallOffer(userId: $0, state: .ringing, offeredAt: time) }
    }

    static func offerQuery(_ callID: UUID, tenantID: UUID, to userIDs: [UUID], at time: Date) -> PostgresQuery {
        """
        INSERT INTO call_offers (call_id, tenant_id, user_id, state, offered_at)
        SELECT \(callID), \(tenantID), unnest(\(userIDs)::uuid[]), 'ringing', \(time)
        """
    }

    /// Moves `userID`'s ringing offer (or, with nil, every ringing offer) of `call` to
    /// `state`; returns whose offers moved. `call` is as read with its row locked, and
    /// every change to a call's offers holds that lock, so its ringing offers are the
    /// ones in the table: the update is sent ahead (`PooledConnection.write`) and what
    /// it moves is known without waiting for it.
    @discardableResult
    func settleRingingOffers(
        of call: Call, user userID: UUID? = nil, to state: CallOffer.State, on connection: PooledConnection, logger: Logger
    ) async throws -> [UUID] {
        let moving = call.offers.filter { $0.state == .ringing && (userID == nil || $0.userId == userID) }.map(\.userId)
        guard !moving.isEmpty else { return [] }
        try await connection.write(
            Self.settleQuery(call.id, tenantID: call.tenantID, user: userID, to: state), preparedAs: Settle.self, logger: logger)
        return moving
    }

    static func settleQuery(_ callID: UUID, tenantID: UUID, user userID: UUID?, to state: CallOffer.State) -> PostgresQuery {
        """
        UPDATE call_offers SET state = \(state.rawValue)
        WHERE call_id = \(callID) AND tenant_id = \(tenantID) AND state = 'ringing'
          AND (\(userID)::uuid IS NULL OR user_id = \(userID))
        """
    }

    func update(_ call: Call, on connection: PooledConnection, logger: Logger) async throws {
        try await connection.write(Self.updateQuery(call), preparedAs: Update.self, logger: logger)
    }

    static func updateQuery(_ call: Call) -> PostgresQuery {
        """
        UPDATE calls SET status = \(call.status.rawValue), callee_id = \(call.callee?.id), callee_type = \(call.callee?.type.rawValue),
               ring_deadline = \(call.ringDeadline), answered_at = \(call.answeredAt), ended_at = \(call.endedAt),
               duration_seconds = \(call.durationSeconds), end_reason = \(call.endReason), ended_by = \(call.endedBy)
        WHERE id = \(call.id) AND tenant_id = \(call.tenantID)
        """
    }

    /// The call (locked for update when `lock`), with names and offers.
    func find(_ tenantID: UUID, id: UUID, lock: Bool = false, on connection: PooledConnection, logger: Logger) async throws -> Call? {
        try await findAhead(tenantID, id: id, lock: lock, on: connection, logger: logger).value()
    }

    /// `find`, read ahead (`PooledConnection.readAhead`): the lock and the read are sent
    /// one behind the other and waited for once. The read runs once the lock is held, so
    /// it sees the call as the transaction that held it before left it.
    func findAhead(_ tenantID: UUID, id: UUID, lock: Bool = false, on connection: PooledConnection, logger: Logger) async -> Ahead<Call?> {
        let locked = lock ? await connection.readAhead(Self.lockQuery(tenantID, id: id), preparedAs: Lock.self, logger: logger) : nil
        let read = await connection.readAhead(Self.listQuery(tenantID, ids: [id]), preparedAs: One.self, logger: logger)
        return read.decoded { rows in
            if let locked {
                var found = false
                for try await _ in try await locked.rows() { found = true }
                guard found else { return nil }
            }
            return try await Self.calls(tenantID, ids: [id], from: rows).first
        }
    }

    /// Calls by id, in the order given, with names and offers.
    func list(_ tenantID: UUID, ids: [UUID], on connection: PooledConnection, logger: Logger) async throws -> [Call] {
        guard !ids.isEmpty else { return [] }
        let query = Self.listQuery(tenantID, ids: ids)
        let rows =
            ids.count == 1
            ? try await connection.query(query, preparedAs: One.self, logger: logger)
            : try await connection.query(query, preparedAs: List.self, logger: logger)
        return try await Self.calls(tenantID, ids: ids, from: rows)
    }

    /// The calls `listQuery` read, in the order of `ids`.
    static func calls(_ tenantID: UUID, ids: [UUID], from rows: CollectedRows) async throws -> [Call] {
        var calls: [UUID: Call] = [:]
        for try await postgresRow in rows {
            var columns = postgresRow.makeIterator()
            let row = (
                try columns.column(UUID.self), try columns.column(String.self), try columns.column(String.self),
                try columns.column(UUID.self), try columns.column(String.self), try columns.column(String.self),
                try columns.column(UUID?.self), try columns.column(String?.self), try columns.column(String?.self),
                try columns.column(String.self), try columns.column(Date?.self), try columns.column(Date.self),
                try columns.column(Date?.self), try columns.column(Date?.self), try columns.column(Int?.self),
                try columns.column(String?.self), try columns.column(UUID?.self), try columns.column(UUID?.self),
                try columns.column(String?.self), try columns.column(String?.self), try columns.column(String?.self),
                try columns.column(UUID?.self)
            )
            let (offerUsers, offerStates, offerTimes) = (
                try columns.column([UUID]?.self) ?? [], try columns.column([String]?.self) ?? [], try columns.column([Date]?.self) ?? []
            )
            let callee = row.6.map { CallParty(id: $0, name: row.7 ?? "", type: ParticipantType(rawValue: row.8 ?? "") ?? .staff) }
            let offers = zip(offerUsers, zip(offerStates, offerTimes)).map { user, stateAndTime in
                CallOffer(userId: user, state: CallOffer.State(rawValue: stateAndTime.0) ?? .missed, offeredAt: stateAndTime.1)
            }
            calls[row.0] = Call(
                id: row.0, tenantID: tenantID, status: CallStatus(rawValue: row.1) ?? .ended,
                strategy: CallStrategy(rawValue: row.2) ?? .direct,
                caller: CallParty(id: row.3, name: row.4, type: ParticipantType(rawValue: row.5) ?? .staff),
                callee: callee, room: row.9, ringDeadline: row.10, createdAt: row.11, answeredAt: row.12, endedAt: row.13,
                durationSeconds: row.14, endReason: row.15, endedBy: row.16, offers: offers,
                contact: row.17.map { CustomerContact(id: $0, name: row.18 ?? "", phone: row.19, stage: row.20 ?? "new", ownerId: row.21) }
            )
        }
        return ids.compactMap { calls[$0] }
    }

    // Every call transition re-reads its call, and every set-up its callee's routing
    // state: prepared (planning the read with its joins under row-level security
    // took about 1 ms, the routing read over 4 ms, in ops/bench calls).
    enum List: PreparedSQL { static let sql = CallStore.listQuery(UUID(), ids: []).sql }
    /// One call by id, as its own statement: with `= ANY`, whose generic plan guesses
    /// ten ids, PostgreSQL kept planning each read anew (1.1 ms of planning a read in
    /// ops/bench calls).
    enum One: PreparedSQL { static let sql = CallStore.listQuery(UUID(), ids: [UUID()]).sql }
    enum Candidates: PreparedSQL { static let sql = CallStore.candidatesQuery(UUID(), only: nil, nodeTimeoutSeconds: 0).sql }
    enum Candidate: PreparedSQL { static let sql = CallStore.candidatesQuery(UUID(), only: UUID(), nodeTimeoutSeconds: 0).sql }
    // And every transition writes the call and its offers (0.2-0.4 ms of planning each).
    enum Update: PreparedSQL {
        /// The duration binds as int8 (a Swift Int); inferred from the column it would be int4.
        static let types: [PostgresDataType] = [
            .text, .uuid, .text, .timestamptz, .timestamptz, .timestamptz, .int8, .text, .uuid, .uuid, .uuid,
        ]
        static let sql = CallStore.updateQuery(
            Call(
                id: UUID(), tenantID: UUID(), status: .ringing, strategy: .direct, caller: CallParty(id: UUID(), name: "", type: .staff),
                callee: nil, room: "", ringDeadline: nil, createdAt: Date(), answeredAt: nil, endedAt: nil, durationSeconds: nil,
                endReason: nil, endedBy: nil, offers: [])
        ).sql
    }
    // Every set-up writes a call and its offers.
    enum Insert: PreparedSQL {
        static let sql = CallStore.insertQuery(
            Call(
                id: UUID(), tenantID: UUID(), status: .ringing, strategy: .direct, caller: CallParty(id: UUID(), name: "", type: .staff),
                callee: nil, room: "", ringDeadline: nil, createdAt: Date(), answeredAt: nil, endedAt: nil, durationSeconds: nil,
                endReason: nil, endedBy: nil, offers: []),
            idempotencyKey: nil, requestHash: nil
        ).sql
    }
    enum Offer: PreparedSQL { static let sql = CallStore.offerQuery(UUID(), tenantID: UUID(), to: [], at: Date()).sql }
    enum Settle: PreparedSQL { static let sql = CallStore.settleQuery(UUID(), tenantID: UUID(), user: nil, to: .missed).sql }
    enum Lock: PreparedSQL { static let sql = CallStore.lockQuery(UUID(), id: UUID()).sql }
    enum ByIdempotencyKey: PreparedSQL { static let sql = CallStore.idempotencyQuery(UUID(), caller: UUID(), key: "").sql }

    static func lockQuery(_ tenantID: UUID, id: UUID) -> PostgresQuery {
        "SELECT 1 FROM calls WHERE id = \(id) AND tenant_id = \(tenantID) FOR UPDATE"
    }

    static func idempotencyQuery(_ tenantID: UUID, caller: UUID, key: String) -> PostgresQuery {
        "SELECT id, request_hash FROM calls WHERE tenant_id = \(tenantID) AND caller_id = \(caller) AND idempotency_key = \(key)"
    }

    static func listQuery(_ tenantID: UUID, ids: [UUID]) -> PostgresQuery {
        if ids.count == 1 {
            return "\(unescaped: listSelect) WHERE c.tenant_id = \(tenantID) AND c.id = \(ids[0])"
        }
        return "\(unescaped: listSelect) WHERE c.tenant_id = \(tenantID) AND c.id = ANY (\(ids))"
    }

    private static let listSelect = """
        SELECT c.id, c.status, c.strategy, c.caller_id, caller.name, c.caller_type, c.callee_id, callee.name, c.callee_type,
               c.room, c.ring_deadline, c.created_at, c.answered_at, c.ended_at, c.duration_seconds, c.end_reason, c.ended_by,
               k.id, k.name, k.phone, k.stage, k.owner_id, o.users, o.states, o.times
        FROM calls c
        -- Each lookup is a LATERAL with LIMIT 1, so it stays a primary-key probe per
        -- call: as plain joins, the generic plan (which guesses 10 ids) hashed the
        -- tenant's every user, 0.4 ms at 600 users and growing with the tenant.
        JOIN LATERAL (SELECT u.name FROM users u WHERE u.id = c.caller_id AND u.tenant_id = c.tenant_id LIMIT 1) caller ON true
        LEFT JOIN LATERAL (SELECT u.name FROM users u WHERE u.id = c.callee_id AND u.tenant_id = c.tenant_id LIMIT 1) callee ON true
        LEFT JOIN LATERAL (
            SELECT k.id, k.name, k.phone, k.stage, k.owner_id FROM contacts k
            WHERE k.id = c.contact_id AND k.tenant_id = c.tenant_id LIMIT 1
        ) k ON true
        -- The offers ride along as arrays in one order (a second statement per read
        -- was a fifth of a call set-up's round trips).
        LEFT JOIN LATERAL (
            SELECT array_agg(o.user_id ORDER BY o.offered_at, o.user_id) AS users,
                   array_agg(o.state ORDER BY o.offered_at, o.user_id) AS states,
                   array_agg(o.offered_at ORDER BY o.offered_at, o.user_id) AS times
            FROM call_offers o WHERE o.call_id = c.id
        ) o ON true
        """

    /// The call this caller made with `key`, and the hash of the request that made it,
    /// read ahead (`PooledConnection.readAhead`).
    func findAhead(
        _ tenantID: UUID, caller: UUID, idempotencyKey key: String, on connection: PooledConnection, logger: Logger
    ) async -> Ahead<(id: UUID, requestHash: String?)?> {
        let query = Self.idempotencyQuery(tenantID, caller: caller, key: key)
        return await connection.readAhead(query, preparedAs: ByIdempotencyKey.self, logger: logger).decoded { rows in
            for try await row in rows {
                var columns = row.makeIterator()
                return (try columns.column(UUID.self), try columns.column(String?.self))
            }
            return nil
        }
    }

    /// Every active staff member (or only `userID`) with what routing needs to know.
    func candidates(
        _ tenantID: UUID, only userID: UUID? = nil, on connection: PooledConnection, logger: Logger
    ) async throws -> [AgentCandidate] {
        let query = Self.candidatesQuery(tenantID, only: userID, nodeTimeoutSeconds: nodeTimeoutSeconds)
        let rows =
            if userID == nil {
                try await connection.query(query, preparedAs: Candidates.self, logger: logger)
            } else {
                try await connection.query(query, preparedAs: Candidate.self, logger: logger)
            }
        var candidates: [AgentCandidate] = []
        for try await row in rows {
            var columns = row.makeIterator()
            let (id, name, status, connected, ringing, onCall, lastOffered) = (
                try columns.column(UUID.self), try columns.column(String.self), try columns.column(String.self),
                try columns.column(Bool.self), try columns.column(Bool.self), try columns.column(Bool.self), try columns.column(Date?.self)
            )
            candidates.append(
                AgentCandidate(
                    id: id, name: name, status: PresenceStatus(rawValue: status) ?? .available, connected: connected,
                    ringing: ringing, onCall: onCall, lastOfferedAt: lastOffered
                )
            )
        }
        return candidates
    }

    /// Every active staff member of the tenant, or only `userID`, as its own statement:
    /// `$3 IS NULL OR u.id = $3` kept PostgreSQL from a generic plan, so each direct
    /// call planned the whole read again (4.9 ms of planning a call in ops/bench calls).
    static func candidatesQuery(_ tenantID: UUID, only userID: UUID?, nodeTimeoutSeconds: Double) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(nodeTimeoutSeconds)
        binds.append(tenantID)
        var one = ""
        if let userID {
            binds.append(userID)
            one = "AND u.id = $3"
        }
        return PostgresQuery(
            unsafeSQL: """
                SELECT u.id, u.name, coalesce(p.status, 'available'),
                       EXISTS (SELECT 1 FROM live_connections lc JOIN nodes n ON n.id = lc.node_id
                               WHERE lc.tenant_id = u.tenant_id AND lc.user_id = u.id
                                 AND n.heartbeat_at > now() - make_interval(secs => $1)),
                       EXISTS (SELECT 1 FROM call_offers o JOIN calls c ON c.id = o.call_id
                               WHERE o.tenant_id = u.tenant_id AND o.user_id = u.id AND o.state = 'ringing' AND c.status = 'ringing')
                       OR EXISTS (SELECT 1 FROM calls c  -- an agent whose own outgoing call is ringing
                                  WHERE c.tenant_id = u.tenant_id AND c.caller_id = u.id AND c.status = 'ringing'),
                       -- One EXISTS per side, each matching a partial index (migrations/0007).
                       EXISTS (SELECT 1 FROM calls c WHERE c.tenant_id = u.tenant_id AND c.caller_id = u.id AND c.status = 'accepted')
                       OR EXISTS (SELECT 1 FROM calls c WHERE c.tenant_id = u.tenant_id AND c.callee_id = u.id AND c.status = 'accepted'),
                       (SELECT max(o.offered_at) FROM call_offers o WHERE o.tenant_id = u.tenant_id AND o.user_id = u.id)
                FROM users u
                LEFT JOIN presence p ON p.tenant_id = u.tenant_id AND p.user_id = u.id
                WHERE u.tenant_id = $2 AND u.role IN ('owner', 'admin', 'agent') AND u.status = 'active' \(one)
                ORDER BY u.name, u.id
                """,
            binds: binds)
    }

    /// Serialises routing decisions within one tenant (round robin must not hand two
    /// calls to the same free agent): a call that picks among everyone free (ring-all,
    /// round robin) takes the tenant's routing lock exclusively, to the end of the
    /// transaction. Sent ahead (`PooledConnection.write`): the routing read sent next
    /// runs once the lock is held.
    func lockRouting(_ tenantID: UUID, on connection: PooledConnection, logger: Logger) async throws {
        try await connection.write(
            "SELECT pg_advisory_xact_lock(hashtext('calls:' || \(tenantID.uuidString))), \(unescaped: Self.genericPlans)",
            logger: logger)
    }

    /// Routing transactions run their prepared statements with their generic plans.
    /// PostgreSQL otherwise weighs each generic plan's estimate against the custom plans
    /// it has made, per connection, and that choice varies from run to run: in one run
    /// of `ops/bench calls` the routing read (`Candidate`) was planned at every call,
    /// 1.23 ms of planning against 0.2 ms of execution (0.22 ms with this). The
    /// statements of these transactions find rows by key, so the generic plan is the
    /// custom one without the cost. Set with the routing lock, so it costs no round
    /// trip; transaction-local.
    private static let genericPlans = "set_config('plan_cache_mode', 'force_generic_plan', true)"

    /// A call between two named people takes the tenant's routing lock shared, then a
    /// lock on each of them: calls between different people go ahead side by side
    /// (one tenant-wide lock made every direct call wait for all the others), while a
    /// tenant-wide decision still waits for them all and they for it. The people are
    /// locked in one order (by id), so two calls naming the same pair cannot deadlock;
    /// the two-key locks are a separate key space from the tenant's one-key lock.
    func lockRouting(_ tenantID: UUID, between first: UUID, and second: UUID, on connection: PooledConnection, logger: Logger)
        async throws
    {
        let (low, high) = first.sortsBefore(second) ? (first, second) : (second, first)
        // A SELECT evaluates its output expressions left to right: shared lock first.
        try await connection.write(
            """
            SELECT pg_advisory_xact_lock_shared(k), pg_advisory_xact_lock(k::int4, hashtext(\(low.uuidString))),
                   pg_advisory_xact_lock(k::int4, hashtext(\(high.uuidString))), \(unescaped: Self.genericPlans)
            FROM (SELECT hashtext('calls:' || \(tenantID.uuidString)) AS k) routing
            """,
            logger: logger)
    }

    /// One page of calls, newest first, filtered.
    func page(
        _ tenantID: UUID, filter: CallFilter, after cursor: (Date, UUID)?, limit: Int, on connection: PooledConnection, logger: Logger
    ) async throws -> [Call] {
        let rows = try await connection.query(
            """
            SELECT c.id FROM calls c
            WHERE c.tenant_id = \(tenantID)
              AND (\(filter.status?.rawValue)::text IS NULL OR c.status = \(filter.status?.rawValue))
              AND (\(filter.participant)::uuid IS NULL OR c.caller_id = \(filter.participant) OR c.callee_id = \(filter.participant)
                   OR EXISTS (SELECT 1 FROM call_offers o WHERE o.call_id = c.id AND o.user_id = \(filter.participant)))
              AND (\(filter.contact)::uuid IS NULL OR c.contact_id = \(filter.contact))
              AND (\(filter.onlyFor)::uuid IS NULL OR c.caller_id = \(filter.onlyFor) OR c.callee_id = \(filter.onlyFor)
                   OR EXISTS (SELECT 1 FROM call_offers o WHERE o.call_id = c.id AND o.user_id = \(filter.onlyFor)))
              AND (\(filter.from)::timestamptz IS NULL OR c.created_at >= \(filter.from))
              AND (\(filter.to)::timestamptz IS NULL OR c.created_at < \(filter.to))
              AND (\(cursor?.0)::timestamptz IS NULL OR (c.created_at, c.id) < (\(cursor?.0), \(cursor?.1)))
            ORDER BY c.created_at DESC, c.id DESC
            LIMIT \(limit)
            """,
            logger: logger
        )
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return try await list(tenantID, ids: ids, on: connection, logger: logger)
    }

    /// Ringing calls past their deadline, across tenants, locked for this sweeper.
    func dueRinging(limit: Int, on connection: PooledConnection, logger: Logger) async throws -> [(tenantID: UUID, id: UUID)] {
        let rows = try await connection.query(
            """
            SELECT tenant_id, id FROM calls
            WHERE status = 'ringing' AND ring_deadline <= now()
            ORDER BY ring_deadline LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
            """,
            logger: logger
        )
        var due: [(UUID, UUID)] = []
        for try await row in rows {
            var columns = row.makeIterator()
            let (tenantID, id) = (try columns.column(UUID.self), try columns.column(UUID.self))
            due.append((tenantID, id))
        }
        return due
    }
}

/// `GET /v1/calls` filters.
public struct CallFilter: Sendable {
    public var status: CallStatus?
    /// Calls this user made, took or was rung for (an agent's missed calls too).
    public var participant: UUID?
    /// Restricts to calls this user made, took or was offered (customers see only theirs).
    public var onlyFor: UUID?
    public var from: Date?
    public var to: Date?
    /// Only calls filed under this CRM contact.
    public var contact: UUID?

    public init(status: CallStatus? = nil, participant: UUID? = nil, onlyFor: UUID? = nil, from: Date? = nil, to: Date? = nil) {
        self.status = status
        self.participant = participant
        self.onlyFor = onlyFor
        self.from = from
        self.to = to
    }
}
