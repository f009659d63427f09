import Accounts
import App
import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import Persistence
import Realtime
import Testing

/// The inbox API as the conversation tests drive it: the real application over real
/// sockets (`CallAPI`), tenants seeded with named agents and customers, and waits
/// for `chat.*` / `conversation.*` events about one conversation.
struct InboxAPI: Sendable {
    let app: TestApp
    let http: CallAPI

    typealias Tenant = CallsTests.CallTenant
    typealias Person = CallsTests.Person

    static let logger: Logger = {
        var logger = Logger(label: "conversations-tests")
        logger.logLevel = .error
        return logger
    }()

    /// Builds the real application on a fresh database and runs `body` against it.
    static func run(
        configure: @escaping @Sendable (inout AppConfig) -> Void = { _ in },
        _ body: @escaping @Sendable (InboxAPI) async throws -> Void
    ) async throws {
        try await TestApp.run(configure: configure) { app in
            let port = try #require(app.client.port)
            try await body(InboxAPI(app: app, http: CallAPI(base: "http://127.0.0.1:\(port)")))
        }
    }

    var base: String { http.base }

    func seed(_ slug: String, agents: [String] = [], customers: Int = 0) async throws -> Tenant {
        try await CallsTests.seed(app.database, slug: slug, agents: agents, customers: customers)
    }

    func login(_ tenant: Tenant, _ person: Person) async throws -> String { try await http.login(tenant, person) }

    @discardableResult
    func send(
        _ method: HTTPMethod, _ path: String, token: String? = nil, json: String? = nil, headers: [(String, String)] = []
    ) async throws -> CallAPI.Reply {
        try await http.send(method, path, token: token, json: json, headers: headers)
    }

    /// A WebSocket client of `person`, registered with the hub before this returns.
    func listen(_ tenant: Tenant, _ person: Person, token: String) async throws -> RealtimeSubscription {
        let subscription = try await RealtimeClient.connect(.webSocket, baseURL: base, token: token)
        _ = try await RealtimeAccessTests.sync(app, tenant.id, audience: .user(person.id), [subscription])
        return subscription
    }

    /// Waits until every event emitted so far to `person` has reached `live` (a sync
    /// event behind them arrived), so the absence of an event can be checked.
    func settle(_ tenant: Tenant, _ person: Person, _ live: RealtimeSubscription) async throws {
        _ = try await RealtimeAccessTests.sync(app, tenant.id, audience: .user(person.id), [live])
    }

    // MARK: conversations

    /// A customer's `POST /v1/conversations` with a first message; expects 201 and returns the conversation.
    func start(_ customerToken: String, text: String? = "Hello there", sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> [String: Any]
    {
        let body = text.map { ContactsAPI.json(["text": $0]) } ?? "{}"
        let reply = try await send(.POST, "/v1/conversations", token: customerToken, json: body)
        try #require(
            reply.status == 201 || reply.status == 200, "POST /v1/conversations: \(reply.status) \(reply.body)",
            sourceLocation: sourceLocation)
        return reply.json
    }

    func startID(_ customerToken: String, text: String? = "Hello there", sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> String
    {
        try #require(
            try await start(customerToken, text: text, sourceLocation: sourceLocation)["id"] as? String, sourceLocation: sourceLocation)
    }

    /// `POST /v1/conversations/{id}/messages` with text; expects 201 and returns the message.
    @discardableResult
    func post(
        _ token: String, _ conversationID: String, _ text: String, key: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Any] {
        let reply = try await send(
            .POST, "/v1/conversations/\(conversationID)/messages", token: token, json: ContactsAPI.json(["text": text]),
            headers: key.map { [("Idempotency-Key", $0)] } ?? [])
        try #require(reply.status == 201, "posting \(text): \(reply.status) \(reply.body)", sourceLocation: sourceLocation)
        return reply.json
    }

    func get(_ token: String, _ conversationID: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let reply = try await send(.GET, "/v1/conversations/\(conversationID)", token: token)
        try #require(reply.status == 200, "GET conversation: \(reply.status) \(reply.body)", sourceLocation: sourceLocation)
        return reply.json
    }

    /// One page of `GET /v1/conversations` with `query`; expects 200.
    func page(_ token: String, _ query: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> (items: [[String: Any]], next: String?)
    {
        let reply = try await send(.GET, "/v1/conversations" + ContactsAPI.query(query), token: token)
        try #require(
            reply.status == 200, "GET /v1/conversations\(ContactsAPI.query(query)): \(reply.status) \(reply.body)",
            sourceLocation: sourceLocation)
        #expect(reply.json.keys.contains("nextCursor"), "nextCursor is always present: \(reply.body)", sourceLocation: sourceLocation)
        return ((reply.json["items"] as? [[String: Any]]) ?? [], reply.json["nextCursor"] as? String)
    }

    /// The ids `GET /v1/conversations` lists with `query` (one page of up to 200).
    func listIDs(_ token: String, _ query: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> [String]
    {
        ContactsAPI.ids(try await page(token, query + [("limit", "200")], sourceLocation: sourceLocation).items)
    }

    /// Every message of the conversation, newest first (one page of up to 200).
    func messages(_ token: String, _ conversationID: String, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> [[String: Any]]
    {
        let reply = try await send(.GET, "/v1/conversations/\(conversationID)/messages?limit=200", token: token)
        try #require(reply.status == 200, "GET messages: \(reply.status) \(reply.body)", sourceLocation: sourceLocation)
        return (reply.json["items"] as? [[String: Any]]) ?? []
    }

    // MARK: events

    /// The conversation an event is about: `conversationId`, or `conversation.id`.
    static func conversationID(of event: ReceivedEvent) -> String? {
        let object = event.object
        if let id = object["conversationId"] as? String { return id.lowercased() }
        return ((object["conversation"] as? [String: Any])?["id"] as? String)?.lowercased()
    }

    static func events(_ live: RealtimeSubscription, _ type: String, conversation id: String) -> [[String: Any]] {
        live.events.filter { $0.type == type && conversationID(of: $0) == id.lowercased() }.map(\.object)
    }

    /// The data of the `count`th `type` event about conversation `id` (waiting for it), or nil on timeout.
    static func event(
        _ live: RealtimeSubscription, _ type: String, conversation id: String, count: Int = 1, timeout: Duration = .seconds(15),
        where condition: @escaping @Sendable ([String: Any]) -> Bool = { _ in true }
    ) async -> [String: Any]? {
        _ = await live.recorder.wait(timeout: timeout) { _ in
            events(live, type, conversation: id).filter(condition).count >= count
        }
        let matching = events(live, type, conversation: id).filter(condition)
        return matching.count >= count ? matching[count - 1] : nil
    }

    /// The `chat.message` about the message with `messageID`.
    static func chatMessage(_ live: RealtimeSubscription, conversation id: String, message messageID: String) async -> [String: Any]? {
        await event(live, "chat.message", conversation: id) { ($0["message"] as? [String: Any])?["id"] as? String == messageID }
    }

    static func isNull(_ value: Any?) -> Bool { value == nil || value is NSNull }
}
