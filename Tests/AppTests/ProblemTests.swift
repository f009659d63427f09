import Accounts
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import App

@Suite("Every error class answers RFC 9457 problem+json")
struct ProblemTests {
    @Test("an unknown route answers 404")
    func unknownRoute() async throws {
        try await TestApp.run { app in
            for path in ["/nope", "/v1/nope", "/v1/users/\(UUID())/extra", "/health"] {
                let response = try await app.request(.get, path)
                let problem = try response.expectProblem(.notFound)
                #expect(problem["instance"] as? String == path)
                #expect(response.headers[.allow] == nil)
            }
        }
    }

    @Test("a known path with another method answers 405 with Allow")
    func wrongMethod() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let admin = try await app.token(tenant, .admin)
            let cases: [(HTTPRequest.Method, String, String)] = [
                (.put, "/v1/users", "GET, POST"),
                (.delete, "/v1/me", "GET"),
                (.put, "/v1/users/\(tenant.userIDs[.agent]!)", "DELETE, GET, PATCH"),
                (.get, "/v1/auth/login", "POST"),
                (.delete, "/v1/settings", "GET, PATCH"),
                (.post, "/health/live", "GET"),
            ]
            for (method, path, allow) in cases {
                // Without and with a token: the method is wrong either way.
                for token in [nil, admin] {
                    let response = try await app.request(method, path, token: token)
                    let problem = try response.expectProblem(.methodNotAllowed)
                    #expect(response.headers[.allow] == allow, "\(method) \(path)")
                    #expect((problem["type"] as? String)?.hasSuffix("method-not-allowed") == true)
                }
            }
        }
    }

    @Test("malformed JSON answers 400")
    func malformedJSON() async throws {
        try await TestApp.run { app in
            for body in [#"{"tenant":"#, "not json", #"{"tenant" "acme"}"#, "{'tenant':'acme'}", #"{"tenant":"acme""#, ""] {
                let response = try await app.request(.post, "/v1/auth/login", json: body)
                let problem = try response.expectProblem(.badRequest)
                #expect((problem["type"] as? String)?.hasSuffix("malformed-request") == true, "body: \(body)")
            }
        }
    }

    @Test("a body that is not JSON, or has no content type, answers 415")
    func unsupportedMediaType() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let body = #"{"tenant":"acme","email":"agent@acme.test","password":"correct-horse-battery"}"#
            for contentType in ["text/plain", "application/x-www-form-urlencoded", "application/jsonx"] {
                let response = try await app.request(.post, "/v1/auth/login", json: body, headers: [.contentType: contentType])
                let problem = try response.expectProblem(.unsupportedMediaType)
                #expect((problem["type"] as? String)?.hasSuffix("unsupported-media-type") == true)
            }
            // No Content-Type at all.
            let bare = try await app.client.execute(
                uri: "/v1/auth/login", method: .post, headers: [:], body: ByteBuffer(string: body)
            )
            try bare.expectProblem(.unsupportedMediaType)
            // The same body with a JSON type (parameters allowed) is accepted.
            let accepted = try await app.request(
                .post, "/v1/auth/login", json: body, headers: [.contentType: "application/json; charset=utf-8"]
            )
            #expect(accepted.status == .ok)
            _ = tenant
        }
    }

    @Test("a body over 1 MiB answers 413 and the server keeps answering")
    func bodyTooLarge() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let padding = String(repeating: "x", count: 1_153_434)  // 1.1 MiB
            let huge = #"{"tenant":"acme","email":"agent@acme.test","password":"\#(padding)"}"#
            #expect(huge.utf8.count > AppRequestContext.bodyLimit)
            let response = try await app.request(.post, "/v1/auth/login", json: huge)
            let problem = try response.expectProblem(.contentTooLarge)
            #expect((problem["type"] as? String)?.hasSuffix("content-too-large") == true)
            // The next request is answered normally.
            let next = try await app.request(
                .post, "/v1/auth/login", json: #"{"tenant":"acme","email":"agent@acme.test","password":"correct-horse-battery"}"#
            )
            #expect(next.status == .ok)
            // A body just under the limit is read (and then refused on its merits, not its size).
            let underPadding = String(repeating: "x", count: AppRequestContext.bodyLimit - 200)
            let under = try await app.request(
                .post, "/v1/auth/login", json: #"{"tenant":"acme","email":"agent@acme.test","password":"\#(underPadding)"}"#
            )
            let underProblem = try under.expectProblem(.unprocessableContent)
            let pointers = (underProblem["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String }
            #expect(pointers == ["/password"])
            _ = tenant
        }
    }

    @Test("a chunked body (no Content-Length) over 1 MiB answers 413 too")
    func chunkedBodyTooLarge() async throws {
        try await TestApp.run { app in
            _ = try await app.seedTenant("acme")
            let port = try #require(app.client.port)
            let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
            let (chunks, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
            continuation.yield(ByteBuffer(string: #"{"tenant":"acme","email":"agent@acme.test","password":""#))
            for _ in 0..<18 { continuation.yield(chunk) }  // 1.125 MiB
            continuation.yield(ByteBuffer(string: #""}"#))
            continuation.finish()
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/auth/login")
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .stream(chunks, length: .unknown)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
            #expect(response.status.code == 413)
            #expect(response.headers["content-type"].first == "application/problem+json")
            #expect(response.headers["x-request-id"].first?.isEmpty == false)
            let body = try await response.body.collect(upTo: 1 << 16)
            let problem = try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
            #expect(problem["status"] as? Int == 413)
            #expect((problem["type"] as? String)?.hasSuffix("content-too-large") == true)
            // The server still answers.
            let next = try await app.request(
                .post, "/v1/auth/login", json: #"{"tenant":"acme","email":"agent@acme.test","password":"correct-horse-battery"}"#
            )
            #expect(next.status == .ok)
        }
    }

    @Test("a missing field answers 422 with its pointer")
    func missingField() async throws {
        try await TestApp.run { app in
            let response = try await app.request(.post, "/v1/auth/login", json: #"{"tenant":"acme","email":"agent@acme.test"}"#)
            let problem = try response.expectProblem(.unprocessableContent)
            #expect((problem["type"] as? String)?.hasSuffix("validation-failed") == true)
            let errors = try #require(problem["errors"] as? [[String: Any]])
            #expect(errors.count == 1)
            #expect(errors.first?["pointer"] as? String == "/password")
            #expect(errors.first?["detail"] is String)
        }
    }

    @Test("a mistyped field answers 422 with its pointer, nested ones too")
    func typeMismatch() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let login = try await app.request(
                .post, "/v1/auth/login", json: #"{"tenant":"acme","email":"agent@acme.test","password":12345}"#
            )
            let problem = try login.expectProblem(.unprocessableContent)
            let errors = try #require(problem["errors"] as? [[String: Any]])
            #expect(errors.map { $0["pointer"] as? String } == ["/password"])

            let admin = try await app.token(tenant, .admin)
            let settings = try await app.request(
                .patch, "/v1/settings", token: admin, json: #"{"integrations":{"razorpay":{"keyId":42}}}"#
            )
            let nested = try settings.expectProblem(.unprocessableContent)
            let nestedErrors = try #require(nested["errors"] as? [[String: Any]])
            #expect(nestedErrors.map { $0["pointer"] as? String } == ["/integrations/razorpay/keyId"])

            let null = try await app.request(
                .post, "/v1/auth/login", json: #"{"tenant":null,"email":"agent@acme.test","password":"x"}"#
            )
            let nullProblem = try null.expectProblem(.unprocessableContent)
            #expect((nullProblem["errors"] as? [[String: Any]])?.map { $0["pointer"] as? String } == ["/tenant"])

            // A body that is JSON but not an object.
            let array = try await app.request(.post, "/v1/auth/login", json: "[1,2]")
            #expect(array.status == .unprocessableContent || array.status == .badRequest)
            try array.expectProblem(array.status)
        }
    }

    @Test("a missing token answers 401 with WWW-Authenticate")
    func missingToken() async throws {
        try await TestApp.run { app in
            for (method, path) in [(HTTPRequest.Method.get, "/v1/me"), (.get, "/v1/users"), (.patch, "/v1/settings"), (.get, "/v1/audit")] {
                let response = try await app.request(method, path)
                let problem = try response.expectProblem(.unauthorized)
                #expect((problem["type"] as? String)?.hasSuffix("unauthenticated") == true)
                let challenge = try #require(response.headers[.wwwAuthenticate])
                #expect(challenge.hasPrefix("Bearer"))
                #expect(challenge.contains("invalid_request"))
            }
            // A non-bearer scheme is treated as no token.
            let basic = try await app.request(.get, "/v1/me", headers: [.authorization: "Basic dXNlcjpwYXNz"])
            try basic.expectProblem(.unauthorized)
            #expect(basic.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
        }
    }

    @Test("a role without access answers 403")
    func roleDenied() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let agent = try await app.token(tenant, .agent)
            let customer = try await app.token(tenant, .customer)
            for token in [agent, customer] {
                for (method, path) in [(HTTPRequest.Method.get, "/v1/users"), (.get, "/v1/settings"), (.get, "/v1/audit")] {
                    let response = try await app.request(method, path, token: token)
                    let problem = try response.expectProblem(.forbidden)
                    #expect((problem["type"] as? String)?.hasSuffix("forbidden") == true)
                    #expect(response.headers[.wwwAuthenticate] == nil)
                }
            }
            // The same token is good where the role is allowed.
            #expect(try await app.request(.get, "/v1/me", token: agent).status == .ok)
        }
    }

    @Test("successful answers carry X-Request-Id too, a new one each time")
    func requestIDOnSuccess() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let tokens = try await app.login(tenant, .agent)
            var ids: Set<String> = []
            for (path, token) in [
                ("/health/live", nil), ("/v1/me", tokens.accessToken), ("/openapi.json", nil), ("/v1/me", tokens.accessToken),
            ] {
                let response = try await app.request(.get, path, token: token)
                #expect(response.status == .ok)
                let id = try #require(response.headers[.requestID], "no X-Request-Id on \(path)")
                #expect(!id.isEmpty)
                ids.insert(id)
            }
            #expect(ids.count == 4, "request ids must differ per request")
            let logout = try await app.request(.post, "/v1/auth/logout", json: #"{"refreshToken":"\#(tokens.refreshToken)"}"#)
            #expect(logout.status == .noContent)
            #expect(logout.headers[.requestID]?.isEmpty == false)
        }
    }

    @Test("text holding a NUL (U+0000) answers 422 naming it, or 404 for a tag's name, not a 500 from PostgreSQL")
    func nulCharacters() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let contactID = try await ContactsAPI(app: app).createID(owner, ["name": "Ravi", "tags": ["vip"]])

            // JSON bodies: strings and keys, nested ones too (`\u0000` is how JSON spells a NUL).
            let bodies: [(HTTPRequest.Method, String, String, String)] = [
                (.post, "/v1/contacts", #"{"name":"Ra\u0000vi"}"#, "/name"),
                (.post, "/v1/contacts", #"{"name":"Ravi","customFields":{"city":["Del\u0000hi"]}}"#, "/customFields/city/0"),
                // The case ops/fuzz found: a NUL in a custom field's name on PATCH.
                (.patch, "/v1/contacts/\(contactID)", #"{"customFields":{"ci\u0000ty":"Delhi"}}"#, "/customFields/ci\u{0}ty"),
                (.post, "/v1/tags", #"{"name":"v\u0000ip"}"#, "/name"),
                (.post, "/v1/users", #"{"email":"new@acme.test","name":"N\u0000ew","role":"agent","password":"long-enough-password"}"#, "/name"),
                (.patch, "/v1/settings", #"{"name":"Acme\u0000"}"#, "/name"),
            ]
            for (method, path, body, pointer) in bodies {
                let problem = try await app.request(method, path, token: owner, json: body).expectProblem(.unprocessableContent)
                let pointers = (problem["errors"] as? [[String: Any]])?.map { $0["pointer"] as? String }
                #expect(pointers == [pointer], "\(method) \(path) \(body)")
            }

            // Query parameters.
            for (path, pointer) in [
                ("/v1/contacts?q=Ra%00vi", "/query/q"), ("/v1/contacts?tag=v%00ip", "/query/tag"),
                ("/v1/contacts/export?source=web%00", "/query/source"), ("/v1/users?q=a%00", "/query/q"),
                ("/v1/contacts/\(contactID)?deleted=%00", "/query/deleted"),
            ] {
                let problem = try await app.request(.get, path, token: owner).expectProblem(.unprocessableContent)
                #expect((problem["errors"] as? [[String: Any]])?.map { $0["pointer"] as? String } == [pointer], "\(path)")
            }
            let upload = try await app.request(
                .post, "/v1/contacts/imports?fileName=leads%00.csv", token: owner, json: "Name,Phone\nAsha,9876543210\n",
                headers: [.contentType: "text/csv"])
            try upload.expectProblem(.unprocessableContent)

            // A tag's name in the path.
            try await app.request(.delete, "/v1/tags/v%00ip", token: owner).expectProblem(.notFound)

            // An escaped backslash followed by u0000 is text, not a NUL: stored as sent.
            let literal = try await ContactsAPI(app: app).create(owner, ["name": #"Ravi \u0000"#])
            #expect(literal["name"] as? String == #"Ravi \u0000"#)
            // Nothing else was stored or changed.
            let contacts = try await app.request(.get, "/v1/contacts", token: owner).jsonObject()["items"] as? [[String: Any]]
            #expect(contacts?.count == 2)
            let ravi = try await ContactsAPI(app: app).get(owner, contactID)
            #expect(ContactsAPI.canonical(ravi["customFields"]) == ContactsAPI.canonical([String: Any]()))
            let tags = try await app.request(.get, "/v1/tags", token: owner).jsonObject()["items"] as? [[String: Any]]
            #expect(tags?.map { $0["name"] as? String } == ["vip"])
        }
    }

    @Test("a rejected create writes nothing")
    func rejectedCreateWritesNothing() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let admin = try await app.token(tenant, .admin)
            let agent = try await app.token(tenant, .agent)
            let usersBefore = try await Self.userEmails(app, token: admin)
            let auditBefore = try await Self.auditCount(app, token: admin)
            #expect(usersBefore.count == 4)

            let valid = #"{"email":"new@acme.test","name":"New","role":"agent","password":"long-enough-password"}"#
            let rejected: [(TestResponse, HTTPResponse.Status)] = [
                // invalid fields
                (
                    try await app.request(
                        .post, "/v1/users", token: admin,
                        json: #"{"email":"not-an-email","name":"New","role":"agent","password":"long-enough-password"}"#
                    ), .unprocessableContent
                ),
                (
                    try await app.request(
                        .post, "/v1/users", token: admin,
                        json: #"{"email":"new@acme.test","name":"New","role":"wizard","password":"long-enough-password"}"#
                    ), .unprocessableContent
                ),
                (
                    try await app.request(
                        .post, "/v1/users", token: admin, json: #"{"email":"new@acme.test","name":"New","role":"agent","password":"short"}"#
                    ), .unprocessableContent
                ),
                // missing field, malformed, wrong type, no token, wrong role
                (
                    try await app.request(
                        .post, "/v1/users", token: admin, json: #"{"email":"new@acme.test","name":"New","role":"agent"}"#),
                    .unprocessableContent
                ),
                (try await app.request(.post, "/v1/users", token: admin, json: #"{"email":"new@acme.test","#), .badRequest),
                (
                    try await app.request(.post, "/v1/users", token: admin, json: valid, headers: [.contentType: "text/plain"]),
                    .unsupportedMediaType
                ),
                (try await app.request(.post, "/v1/users", json: valid), .unauthorized),
                (try await app.request(.post, "/v1/users", token: agent, json: valid), .forbidden),
                // an email already used
                (
                    try await app.request(
                        .post, "/v1/users", token: admin,
                        json: #"{"email":"agent@acme.test","name":"Dup","role":"agent","password":"long-enough-password"}"#
                    ), .conflict
                ),
            ]
            for (response, status) in rejected {
                try response.expectProblem(status)
            }
            let problem = try rejected[0].0.expectProblem(.unprocessableContent)
            #expect((problem["errors"] as? [[String: Any]])?.map { $0["pointer"] as? String } == ["/email"])

            #expect(try await Self.userEmails(app, token: admin) == usersBefore)
            #expect(try await Self.auditCount(app, token: admin) == auditBefore)

            // The valid request then succeeds, and is the only write.
            let created = try await app.request(.post, "/v1/users", token: admin, json: valid)
            #expect(created.status == .created)
            #expect(try await Self.userEmails(app, token: admin) == usersBefore.union(["new@acme.test"]))
        }
    }

    @Test("a rejected update changes nothing")
    func rejectedUpdateWritesNothing() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let admin = try await app.token(tenant, .admin)
            let path = "/v1/users/\(tenant.userIDs[.agent]!)"
            let before = try await app.request(.get, path, token: admin).jsonObject()
            // One valid field and one invalid one: neither is applied.
            let response = try await app.request(.patch, path, token: admin, json: #"{"name":"Renamed","email":"broken"}"#)
            let problem = try response.expectProblem(.unprocessableContent)
            #expect((problem["errors"] as? [[String: Any]])?.map { $0["pointer"] as? String } == ["/email"])
            let after = try await app.request(.get, path, token: admin).jsonObject()
            #expect(after["name"] as? String == before["name"] as? String)
            #expect(after["email"] as? String == before["email"] as? String)
            #expect(after["updatedAt"] != nil)
            #expect("\(after["updatedAt"] ?? "")" == "\(before["updatedAt"] ?? "")")
        }
    }

    static func userEmails(_ app: TestApp, token: String) async throws -> Set<String> {
        let response = try await app.request(.get, "/v1/users?limit=200", token: token)
        #expect(response.status == .ok)
        let items = try #require(try response.jsonObject()["items"] as? [[String: Any]])
        return Set(items.compactMap { $0["email"] as? String })
    }

    static func auditCount(_ app: TestApp, token: String) async throws -> Int {
        let response = try await app.request(.get, "/v1/audit?limit=200", token: token)
        #expect(response.status == .ok)
        return (try response.jsonObject()["items"] as? [[String: Any]])?.count ?? -1
    }
}
