import Accounts
import Calls
import Foundation
import Hummingbird

/// Browser calls.
///
/// - `POST /v1/calls` (`Idempotency-Key` honoured): customers `{agentId}` or
///   `{strategy}`; staff `{customerId}`. 201 with the call and the caller's LiveKit access.
/// - `POST /v1/calls/{id}/accept` (callee; first accept wins), `/decline` (callee),
///   `/cancel` (caller, while ringing), `/end` (either participant, once accepted).
/// - `GET /v1/calls` (filters `status`, `participant`, `contact` (staff), `from`, `to`; customers see
///   only their own), `GET /v1/calls/{id}`.
/// - `GET /v1/agents/available`: customers see reachable available agents (id,
///   name, initials); staff see every agent with presence and call state.
struct CallsController: Sendable {
    let calls: CallService

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.post(use: start)
        group.get(use: list)
        group.get("{id}", use: get)
        group.post("{id}/accept", use: accept)
        group.post("{id}/decline", use: decline)
        group.post("{id}/cancel", use: cancel)
        group.post("{id}/end", use: end)
    }

    func addAgentRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get("available", use: availableAgents)
    }

    func start(_ request: Request, context: TenantRequestContext) async throws -> EditedResponse<CallResponse> {
        let key = try Self.idempotencyKey(request)
        let body = try await request.decodeJSON(as: StartCallRequest.self, context: context)
        let actor = context.callActor
        let target = try body.target(for: actor.role.rawValue)
        let (call, livekit, replayed) = try await mapped {
            try await calls.start(target, by: actor, idempotencyKey: key, logger: context.logger)
        }
        var headers: HTTPFields = [.location: "/v1/calls/\(call.id.uuidString)"]
        if replayed { headers[.init("Idempotent-Replayed")!] = "true" }
        return EditedResponse(
            status: .created, headers: headers, response: CallResponse(call, forCustomer: actor.role == .customer, livekit: livekit)
        )
    }

    func accept(_ request: Request, context: TenantRequestContext) async throws -> CallResponse {
        let id = try context.pathID()
        let (call, livekit) = try await mapped { try await calls.accept(id, by: context.callActor, logger: context.logger) }
        return CallResponse(call, forCustomer: context.principal.role == .customer, livekit: livekit)
    }

    func decline(_ request: Request, context: TenantRequestContext) async throws -> CallResponse {
        let id = try context.pathID()
        let call = try await mapped { try await calls.decline(id, by: context.callActor, logger: context.logger) }
        return CallResponse(call, forCustomer: context.principal.role == .customer)
    }

    func cancel(_ request: Request, context: TenantRequestContext) async throws -> CallResponse {
        let id = try context.pathID()
        let call = try await mapped { try await calls.cancel(id, by: context.callActor, logger: context.logger) }
        return CallResponse(call, forCustomer: context.principal.role == .customer)
    }

    func end(_ request: Request, context: TenantRequestContext) async throws -> CallResponse {
        let id = try context.pathID()
        let call = try await mapped { try await calls.end(id, by: context.callActor, logger: context.logger) }
        return CallResponse(call, forCustomer: context.principal.role == .customer)
    }

    func get(_ request: Request, context: TenantRequestContext) async throws -> CallResponse {
        let id = try context.pathID()
        let call = try await mapped { try await calls.get(id, by: context.callActor, logger: context.logger) }
        return CallResponse(call, forCustomer: context.principal.role == .customer)
    }

    func list(_ request: Request, context: TenantRequestContext) async throws -> Page<CallResponse> {
        let page = try PageRequest(request)
        let query = request.uri.queryParameters
        var validator = FieldValidator()
        var filter = CallFilter()
        if let raw = query["status"] {
            filter.status = CallStatus(rawValue: String(raw))
            if filter.status == nil {
                validator.fail("/query/status", "must be one of \(CallStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let raw = query["participant"] {
            filter.participant = UUID(uuidString: String(raw))
            if filter.participant == nil { validator.fail("/query/participant", "must be a user id") }
        }
        if let raw = query["contact"] {
            filter.contact = UUID(uuidString: String(raw))
            if filter.contact == nil { validator.fail("/query/contact", "must be a contact id") }
            if context.principal.role == .customer { throw AppError.forbidden("Customers cannot filter calls by contact.") }
        }
        for (name, keyPath) in [("from", \CallFilter.from), ("to", \CallFilter.to)] {
            if let raw = query[Substring(name)] {
                guard let date = try? Date(String(raw), strategy: .iso8601) else {
                    validator.fail("/query/\(name)", "must be an ISO 8601 time, e.g. 2026-01-31T00:00:00Z")
                    continue
                }
                filter[keyPath: keyPath] = date
            }
        }
        var after: (Date, UUID)?
        if let cursor = page.cursor {
            let parts = cursor.split(separator: "|")
            if parts.count == 2, let seconds = Double(parts[0]), let id = UUID(uuidString: String(parts[1])) {
                after = (Date(timeIntervalSince1970: seconds), id)
            } else {
                validator.fail("/query/cursor", "is not a cursor this server issued")
            }
        }
        try validator.finish()
        let rows = try await mapped {
            try await calls.list(filter, after: after, limit: page.limit + 1, by: context.callActor, logger: context.logger)
        }
        let shown = rows.prefix(page.limit)
        let nextCursor =
            rows.count > page.limit
            ? shown.last.map { PageRequest.encodeCursor("\($0.createdAt.timeIntervalSince1970)|\($0.id.uuidString)") } : nil
        let forCustomer = context.principal.role == .customer
        return Page(items: shown.map { CallResponse($0, forCustomer: forCustomer) }, nextCursor: nextCursor)
    }

    func availableAgents(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let agents = try await calls.agents(context.tenantID, logger: context.logger)
        if context.principal.role == .customer {
            let items = agents.filter(\.isAvailable).map { AvailableAgent(id: $0.id, name: $0.name, initials: $0.initials) }
            return try ItemList(items: items).response(from: request, context: context)
        }
        let items = agents.map {
            AgentState(
                id: $0.id, name: $0.name, initials: $0.initials, status: $0.status.rawValue,
                reachable: $0.connected && $0.status != .offline, available: $0.isAvailable, ringing: $0.ringing, onCall: $0.onCall
            )
        }
        return try ItemList(items: items).response(from: request, context: context)
    }

    static func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers[.init("Idempotency-Key")!] else { return nil }
        guard (1...200).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw AppError.validation(pointer: "/headers/Idempotency-Key", "must be 1 to 200 visible ASCII characters")
        }
        return key
    }

    /// Runs `body`, turning call errors into problems.
    func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CallError {
            throw AppError(error)
        }
    }
}

extension TenantRequestContext {
    var callActor: CallActor {
        CallActor(tenantID: principal.tenantID, userID: principal.userID, role: principal.role, name: principal.user.name)
    }
}

extension AppError {
    init(_ error: CallError) {
        switch error {
        case .notFound: self = .notFound("No such call.")
        case .calleeNotFound: self = .notFound("No active user with that id can be called.")
        case .noReachableAgent(let callID):
            self = AppError(
                .conflict, kind: "no-agent-available", title: "No agent available",
                detail: "Nobody can take the call right now; it was recorded as missed (call \(callID.uuidString))."
            )
        case .conflict(let detail): self = AppError(.conflict, kind: "call-state-conflict", title: "Call state conflict", detail: detail)
        case .forbidden(let detail): self = .forbidden(detail)
        case .sfuUnavailable:
            self = AppError(
                .badGateway, kind: "sfu-unavailable", title: "Media server unavailable",
                detail: "The LiveKit server did not create the call's room; nothing was created. Try again."
            )
        case .sfuNotConfigured:
            self = AppError(
                .serviceUnavailable, kind: "calling-not-configured", title: "Calling is not configured",
                detail: "No LiveKit server is configured for this tenant (settings integrations.livekit) or globally (LIVEKIT_URL)."
            )
        case .idempotencyKeyReused:
            self = AppError(
                .unprocessableContent, kind: "idempotency-key-reused", title: "Idempotency key reused",
                detail: "This Idempotency-Key was used for a different call request."
            )
        }
    }
}
