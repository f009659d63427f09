import Accounts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Realtime
import Testing

/// The contacts API as the tests drive it: bodies from dictionaries, answers
/// checked and decoded, every list walked to its end.
struct ContactsAPI: Sendable {
    let app: TestApp

    var baseURL: String { "http://127.0.0.1:\(app.client.port!)" }

    // MARK: - Contacts

    /// Creates a contact, expecting 201 with its Location; returns it.
    @discardableResult
    func create(
        _ token: String, _ fields: [String: Any], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Any] {
        let response = try await app.request(.post, "/v1/contacts", token: token, json: Self.json(fields))
        try #require(response.status == .created, "creating \(fields): \(response.text)", sourceLocation: sourceLocation)
        let contact = try response.jsonObject()
        let id = try #require(contact["id"] as? String, sourceLocation: sourceLocation)
        #expect(response.headers[.location] == "/v1/contacts/\(id)", sourceLocation: sourceLocation)
        return contact
    }

    /// Creates a contact and returns its id.
    func createID(_ token: String, _ fields: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try #require(try await create(token, fields, sourceLocation: sourceLocation)["id"] as? String, sourceLocation: sourceLocation)
    }

    /// `GET /v1/contacts/{id}`, expecting 200.
    func get(_ token: String, _ id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let response = try await app.request(.get, "/v1/contacts/\(id)", token: token)
        #expect(response.status == .ok, "GET \(id): \(response.text)", sourceLocation: sourceLocation)
        return try response.jsonObject()
    }

    func patch(_ token: String, _ id: String, _ fields: [String: Any]) async throws -> TestResponse {
        try await app.request(.patch, "/v1/contacts/\(id)", token: token, json: Self.json(fields))
    }

    func bulk(_ token: String, ids: [String], action: String, value: String? = nil) async throws -> TestResponse {
        var body: [String: Any] = ["ids": ids, "action": action]
        if let value { body["value"] = value }
        return try await app.request(.post, "/v1/contacts/bulk", token: token, json: Self.json(body))
    }

    /// One page of `GET /v1/contacts` with `query`, expecting 200.
    func page(
        _ token: String, _ query: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (items: [[String: Any]], next: String?) {
        let response = try await app.request(.get, "/v1/contacts" + Self.query(query), token: token)
        try #require(response.status == .ok, "GET /v1/contacts\(Self.query(query)): \(response.text)", sourceLocation: sourceLocation)
        let page = try response.jsonObject()
        #expect(page.keys.contains("nextCursor"), "nextCursor is always present", sourceLocation: sourceLocation)
        return (try #require(page["items"] as? [[String: Any]], sourceLocation: sourceLocation), page["nextCursor"] as? String)
    }

    /// Every contact `GET /v1/contacts` with `query` lists, following `nextCursor`;
    /// also the size of each page.
    func walk(
        _ token: String, _ query: [(String, String)] = [], limit: Int = 200, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (items: [[String: Any]], sizes: [Int]) {
        var items: [[String: Any]] = []
        var sizes: [Int] = []
        var cursor: String?
        repeat {
            let page = try await page(
                token, query + [("limit", "\(limit)")] + (cursor.map { [("cursor", $0)] } ?? []), sourceLocation: sourceLocation)
            items += page.items
            sizes.append(page.items.count)
            cursor = page.next
        } while cursor != nil && sizes.count < 100
        return (items, sizes)
    }

    /// The ids of every contact listed with `query`, in order.
    func listIDs(_ token: String, _ query: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> [String]
    {
        Self.ids(try await walk(token, query, sourceLocation: sourceLocation).items)
    }

    /// The contact's whole timeline, newest first.
    func timeline(_ token: String, _ id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [[String: Any]] {
        let response = try await app.request(.get, "/v1/contacts/\(id)/timeline?limit=200", token: token)
        try #require(response.status == .ok, "timeline of \(id): \(response.text)", sourceLocation: sourceLocation)
        return try #require(try response.jsonObject()["items"] as? [[String: Any]], sourceLocation: sourceLocation)
    }

    // MARK: - Tenant set-up

    /// `PATCH /v1/settings` as the tenant's owner, expecting 200.
    func updateSettings(_ ownerToken: String, _ json: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let response = try await app.request(.patch, "/v1/settings", token: ownerToken, json: json)
        try #require(response.status == .ok, "settings \(json): \(response.text)", sourceLocation: sourceLocation)
    }

    /// Creates a staff user through `POST /v1/users`, signs them in; returns their id and access token.
    func createUser(
        _ tenant: SeededTenant, ownerToken: String, name: String, role: Role, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (id: UUID, token: String) {
        let email = "\(name.lowercased().filter(\.isLetter))@\(tenant.slug).test"
        let password = "a-long-enough-password"
        let created = try await app.request(
            .post, "/v1/users", token: ownerToken,
            json: Self.json(["email": email, "name": name, "role": role.rawValue, "password": password]))
        try #require(created.status == .created, "creating \(email): \(created.text)", sourceLocation: sourceLocation)
        let id = try #require(Self.uuid(try created.jsonObject()["id"]), sourceLocation: sourceLocation)
        let login = try await app.request(
            .post, "/v1/auth/login", json: Self.json(["tenant": tenant.slug, "email": email, "password": password]))
        try #require(login.status == .ok, "login as \(email): \(login.text)", sourceLocation: sourceLocation)
        return (id, try Tokens(login).accessToken)
    }

    /// A WebSocket client of `userID`, registered with the hub before this returns.
    func listen(_ tenant: SeededTenant, _ userID: UUID, token: String) async throws -> RealtimeSubscription {
        let subscription = try await RealtimeClient.connect(.webSocket, baseURL: baseURL, token: token)
        _ = try await RealtimeAccessTests.sync(app, tenant.id, audience: .user(userID), [subscription])
        return subscription
    }

    // MARK: - Values

    /// A JSON object as request body text (`NSNull()` writes null).
    static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// A JSON value as text with sorted keys, so two decoded objects compare.
    static func canonical(_ value: Any?) -> String {
        guard let value, JSONSerialization.isValidJSONObject([value]),
            let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys])
        else { return "<not JSON: \(String(describing: value))>" }
        return String(decoding: data, as: UTF8.self)
    }

    /// `object` without `keys`.
    static func without(_ object: [String: Any], _ keys: String...) -> [String: Any] {
        object.filter { !keys.contains($0.key) }
    }

    /// `?name=value&...`, every part percent-encoded (a `+` or space in a value survives).
    static func query(_ pairs: [(String, String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
        return "?" + pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    static func ids(_ items: [[String: Any]]) -> [String] { items.compactMap { $0["id"] as? String } }

    static func uuid(_ value: Any?) -> UUID? { (value as? String).flatMap(UUID.init(uuidString:)) }

    static func isNull(_ value: Any?) -> Bool { value == nil || value is NSNull }

    /// The `pointer`s of a validation problem's `errors`.
    static func pointers(_ problem: [String: Any]) -> [String] {
        (problem["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String }
    }

    /// The problem kind: the last part of its `type` URI.
    static func kind(_ problem: [String: Any]) -> String? {
        (problem["type"] as? String)?.split(separator: "/").last.map(String.init)
    }

    /// Expects a 422 validation problem whose `errors` name `pointer`; returns the problem.
    @discardableResult
    static func expectInvalid(
        _ response: TestResponse, _ pointer: String, _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String: Any] {
        let problem = try response.expectProblem(.unprocessableContent, sourceLocation: sourceLocation)
        #expect(pointers(problem).contains(pointer), "\(label): expected \(pointer) in \(response.text)", sourceLocation: sourceLocation)
        return problem
    }

    /// The records of RFC 4180 CSV text (quoted fields may hold commas, quotes and line breaks).
    static func csvRecords(_ text: String) -> [[String]] {
        let scalars = Array(text.unicodeScalars)
        var records: [[String]] = []
        var record: [String] = []
        var field = String.UnicodeScalarView()
        var quoted = false
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if quoted {
                if scalar == "\"", index + 1 < scalars.count, scalars[index + 1] == "\"" {
                    field.append(scalar)
                    index += 1
                } else if scalar == "\"" {
                    quoted = false
                } else {
                    field.append(scalar)
                }
            } else {
                switch scalar {
                case "\"": quoted = true
                case ",":
                    record.append(String(field))
                    field = String.UnicodeScalarView()
                case "\r", "\n":
                    if scalar == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" { index += 1 }
                    record.append(String(field))
                    records.append(record)
                    record = []
                    field = String.UnicodeScalarView()
                default: field.append(scalar)
                }
            }
            index += 1
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(String(field))
            records.append(record)
        }
        return records
    }
}
