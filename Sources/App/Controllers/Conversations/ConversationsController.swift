import Accounts
import Conversations
import Foundation
import Hummingbird

/// The inbox: portal chat and WhatsApp.
///
/// - `GET /v1/conversations` (filters `channel`, `status`, `assignee` (id, `me`,
///   `none`), `contact`, `unread=true`; customers see only their own), newest message first.
/// - `POST /v1/conversations` (customers): their portal conversation, with an optional
///   first message (`Idempotency-Key` honoured).
/// - `GET|PATCH /v1/conversations/{id}` (PATCH `{assigneeId}`, staff),
///   `POST /v1/conversations/{id}/resolve`, `/reopen` (staff), `/read` (anyone in it).
/// - `GET|POST /v1/conversations/{id}/messages` (`Idempotency-Key` honoured): on
///   WhatsApp, staff send `{text}` inside the 24-hour window or `{template}` at any time.
struct ConversationsController: Sendable {
    let conversations: ConversationService

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(use: list)
        group.post(use: start)
        group.get("{id}", use: get)
        group.patch("{id}", use: update)
        group.post("{id}/resolve", use: resolve)
        group.post("{id}/reopen", use: reopen)
        group.post("{id}/read", use: read)
        group.get("{id}/messages", use: messages)
        group.post("{id}/messages", use: post)
    }

    func list(_ request: Request, context: TenantRequestContext) async throws -> Page<ConversationResponse> {
        let page = try PageRequest(request)
        let filter = try Self.filter(request, context: context)
        var cursor: ConversationCursor?
        if let text = page.cursor {
            cursor = ConversationCursor(text: text)
            if cursor == nil { throw AppError.validation(pointer: "/query/cursor", "is not a cursor this server issued") }
        }
        let actor = context.conversationActor
        let rows = try await mapped {
            try await conversations.list(filter, after: cursor, limit: page.limit + 1, by: actor, logger: context.logger)
        }
        let shown = rows.prefix(page.limit)
        let next =
            rows.count > page.limit
            ? shown.last.map { PageRequest.encodeCursor(ConversationCursor(lastMessageAt: $0.lastMessageAt, id: $0.id).text) } : nil
        return Page(items: shown.map { ConversationResponse($0, forCustomer: actor.isCustomer) }, nextCursor: next)
    }

    static func filter(_ request: Request, context: TenantRequestContext) throws -> ConversationFilter {
        let query = request.uri.queryParameters
        var validator = FieldValidator()
        var filter = ConversationFilter()
        if let raw = query["channel"] {
            filter.channel = Conversation.Channel(rawValue: String(raw))
            if filter.channel == nil { validator.fail("/query/channel", "must be portal or whatsapp") }
        }
        if let raw = query["status"] {
            filter.status = Conversation.Status(rawValue: String(raw))
            if filter.status == nil { validator.fail("/query/status", "must be open or resolved") }
        }
        if let raw = query["assignee"] {
            switch String(raw) {
            case "me": filter.assignee = .user(context.principal.userID)
            case "none": filter.assignee = .unassigned
            case let value:
                if let id = UUID(uuidString: value) {
                    filter.assignee = .user(id)
                } else {
                    validator.fail("/query/assignee", "must be a user id, me or none")
                }
            }
        }
        if let raw = query["contact"] {
            filter.contactID = UUID(uuidString: String(raw))
            if filter.contactID == nil { validator.fail("/query/contact", "must be a contact id") }
        }
        switch query["unread"].map(String.init) {
        case nil, "false": break
        case "true": filter.unreadOnly = true
        default: validator.fail("/query/unread", "must be true or false")
        }
        try validator.finish()
        if context.principal.role == .customer, filter.assignee != nil || filter.contactID != nil {
            throw AppError.forbidden("Customers cannot filter conversations by assignee or contact.")
        }
        return filter
    }

    func start(_ request: Request, context: TenantRequestContext) async throws -> EditedResponse<ConversationResponse> {
        guard context.principal.role == .customer else {
            throw AppError.forbidden("Staff start WhatsApp conversations with POST /v1/contacts/{id}/whatsapp.")
        }
        let key = try CallsController.idempotencyKey(request)
        let text = try await request.decodeJSON(as: StartConversationRequest.self, context: context).validated()
        let (conversation, _, created, replayed) = try await mapped {
            try await conversations.startPortal(text: text, by: context.conversationActor, idempotencyKey: key, logger: context.logger)
        }
        var headers: HTTPFields = [.location: "/v1/conversations/\(conversation.id.uuidString)"]
        if replayed { headers[.init("Idempotent-Replayed")!] = "true" }
        return EditedResponse(
            status: created ? .created : .ok, headers: headers, response: ConversationResponse(conversation, forCustomer: true))
    }

    func get(_ request: Request, context: TenantRequestContext) async throws -> ConversationResponse {
        let id = try context.pathID()
        let actor = context.conversationActor
        return ConversationResponse(
            try await mapped { try await conversations.get(id, by: actor, logger: context.logger) }, forCustomer: actor.isCustomer)
    }

    func update(_ request: Request, context: TenantRequestContext) async throws -> ConversationResponse {
        let id = try context.pathID()
        guard context.principal.role != .customer else { throw AppError.forbidden() }
        let (body, object) = try await request.decodeJSONObject(as: UpdateConversationRequest.self, context: context)
        guard object.keys.contains("assigneeId") else { throw AppError.validation(pointer: "/assigneeId", "is required (null unassigns)") }
        if let extra = object.keys.first(where: { $0 != "assigneeId" }) {
            throw AppError.validation(pointer: "/\(extra)", "is not a field that can be changed")
        }
        let conversation = try await mapped {
            try await conversations.assign(id, to: body.assigneeId, by: context.conversationActor, logger: context.logger)
        }
        return ConversationResponse(conversation, forCustomer: false)
    }

    func resolve(_ request: Request, context: TenantRequestContext) async throws -> ConversationResponse {
        try await setStatus(.resolved, context: context)
    }

    func reopen(_ request: Request, context: TenantRequestContext) async throws -> ConversationResponse {
        try await setStatus(.open, context: context)
    }

    private func setStatus(_ status: Conversation.Status, context: TenantRequestContext) async throws -> ConversationResponse {
        let id = try context.pathID()
        guard context.principal.role != .customer else { throw AppError.forbidden() }
        let conversation = try await mapped {
            try await conversations.setStatus(id, to: status, by: context.conversationActor, logger: context.logger)
        }
        return ConversationResponse(conversation, forCustomer: false)
    }

    func read(_ request: Request, context: TenantRequestContext) async throws -> ConversationResponse {
        let id = try context.pathID()
        let actor = context.conversationActor
        let conversation = try await mapped { try await conversations.markRead(id, by: actor, logger: context.logger) }
        return ConversationResponse(conversation, forCustomer: actor.isCustomer)
    }

    func messages(_ request: Request, context: TenantRequestContext) async throws -> Page<MessageResponse> {
        let id = try context.pathID()
        let page = try PageRequest(request)
        var after: MessageCursor?
        if let text = page.cursor {
            after = MessageCursor(text)
            if after == nil { throw AppError.validation(pointer: "/query/cursor", "is not a cursor this server issued") }
        }
        let rows = try await mapped {
            try await conversations.messages(id, after: after, limit: page.limit + 1, by: context.conversationActor, logger: context.logger)
        }
        let shown = rows.prefix(page.limit)
        let next = rows.count > page.limit ? shown.last.map { PageRequest.encodeCursor($0.cursor.description) } : nil
        return Page(items: shown.map { MessageResponse($0.message) }, nextCursor: next)
    }

    func post(_ request: Request, context: TenantRequestContext) async throws -> EditedResponse<MessageResponse> {
        let id = try context.pathID()
        let key = try CallsController.idempotencyKey(request)
        let content = try await request.decodeJSON(as: PostMessageRequest.self, context: context).validated()
        let (_, message, replayed) = try await mapped {
            try await conversations.post(content, to: id, by: context.conversationActor, idempotencyKey: key, logger: context.logger)
        }
        var headers: HTTPFields = [.location: "/v1/conversations/\(id.uuidString)/messages"]
        if replayed { headers[.init("Idempotent-Replayed")!] = "true" }
        return EditedResponse(status: .created, headers: headers, response: MessageResponse(message))
    }

    func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ConversationError {
            throw AppError(error)
        }
    }
}

extension TenantRequestContext {
    var conversationActor: ConversationActor {
        ConversationActor(tenantID: principal.tenantID, userID: principal.userID, role: principal.role)
    }
}
