import Accounts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import App

@Suite("The operator's tenant administration")
struct OperatorTests {
    static func createBody(slug: String, email: String? = nil, password: String = "owner-password-123") -> String {
        #"{"slug":"\#(slug)","name":"\#(slug.capitalized) Ltd","owner":{"email":"\#(email ?? "boss@\(slug).test")","name":"Boss","password":"\#(password)"}}"#
    }

    @Test("no token, a wrong token or a tenant user's token answer 401")
    func operatorTokenRequired() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let wrong = app.config.operatorToken + "x"
            let prefix = String(app.config.operatorToken.dropLast())
            let calls: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/operator/tenants", nil),
                (.post, "/v1/operator/tenants", Self.createBody(slug: "globex")),
                (.patch, "/v1/operator/tenants/\(tenant.id)", #"{"status":"suspended"}"#),
            ]
            for (method, path, body) in calls {
                let missing = try await app.request(method, path, json: body)
                try missing.expectProblem(.unauthorized)
                #expect(missing.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                for token in [wrong, prefix, owner, "", "operator"] {
                    let response = try await app.request(method, path, token: token, json: body)
                    try response.expectProblem(.unauthorized)
                    #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                }
            }
            // Nothing happened: no tenant created, acme still active.
            let list = try await app.request(.get, "/v1/operator/tenants", token: app.config.operatorToken)
            #expect(list.status == .ok)
            let items = try #require(try list.jsonObject()["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["slug"] as? String } == ["acme"])
            #expect(items.first?["status"] as? String == "active")
            _ = try await app.login(tenant, .owner)
        }
    }

    @Test("creating a tenant answers 201 with its owner, who can log in")
    func createTenant() async throws {
        try await TestApp.run { app in
            let response = try await app.request(
                .post, "/v1/operator/tenants", token: app.config.operatorToken, json: Self.createBody(slug: "globex")
            )
            #expect(response.status == .created, "\(response.text)")
            let body = try response.jsonObject()
            let tenant = try #require(body["tenant"] as? [String: Any])
            let owner = try #require(body["owner"] as? [String: Any])
            let id = try #require((tenant["id"] as? String).flatMap(UUID.init(uuidString:)))
            #expect(tenant["slug"] as? String == "globex")
            #expect(tenant["name"] as? String == "Globex Ltd")
            #expect(tenant["status"] as? String == "active")
            #expect(response.headers[.location] == "/v1/operator/tenants/\(id.uuidString)")
            #expect(owner["email"] as? String == "boss@globex.test")
            #expect(owner["role"] as? String == "owner")
            #expect(owner["tenantId"] as? String == id.uuidString)
            #expect(owner["password"] == nil && owner["passwordHash"] == nil)
            #expect(!response.text.contains("owner-password-123"))

            let login = try await app.request(
                .post, "/v1/auth/login", json: #"{"tenant":"globex","email":"boss@globex.test","password":"owner-password-123"}"#
            )
            #expect(login.status == .ok)
            let tokens = try Tokens(login)
            let me = try await app.request(.get, "/v1/me", token: tokens.accessToken)
            #expect(try me.jsonObject()["role"] as? String == "owner")
            // The new tenant's settings have the defaults.
            let settings = try await app.request(.get, "/v1/settings", token: tokens.accessToken).jsonObject()
            #expect(settings["timezone"] as? String == "Asia/Kolkata")
            #expect(settings["defaultCountryCode"] as? String == "+91")
        }
    }

    @Test("a slug already used answers 409")
    func duplicateSlug() async throws {
        try await TestApp.run { app in
            let first = try await app.request(
                .post, "/v1/operator/tenants", token: app.config.operatorToken, json: Self.createBody(slug: "globex"))
            #expect(first.status == .created)
            let second = try await app.request(
                .post, "/v1/operator/tenants", token: app.config.operatorToken,
                json: Self.createBody(slug: "globex", email: "other@globex.test", password: "another-password-1")
            )
            let problem = try second.expectProblem(.conflict)
            #expect((problem["type"] as? String)?.hasSuffix("slug-taken") == true)
            #expect((problem["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } == ["/slug"])
            // The first owner is untouched; the second owner does not exist.
            let good = try await app.request(
                .post, "/v1/auth/login", json: #"{"tenant":"globex","email":"boss@globex.test","password":"owner-password-123"}"#
            )
            #expect(good.status == .ok)
            let bad = try await app.request(
                .post, "/v1/auth/login", json: #"{"tenant":"globex","email":"other@globex.test","password":"another-password-1"}"#
            )
            try bad.expectProblem(.unauthorized)
            let list = try await app.request(.get, "/v1/operator/tenants", token: app.config.operatorToken).jsonObject()
            #expect((list["items"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test("invalid slugs and owners answer 422 with pointers and create nothing")
    func invalidCreate() async throws {
        try await TestApp.run { app in
            for slug in ["Bad Slug", "-globex", "g", "UPPER", "globex_1", "ünï", String(repeating: "a", count: 64)] {
                let response = try await app.request(
                    .post, "/v1/operator/tenants", token: app.config.operatorToken,
                    json: Self.createBody(slug: slug, email: "boss@example.test"))
                let problem = try response.expectProblem(.unprocessableContent)
                #expect((problem["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } == ["/slug"], "slug \(slug)")
            }
            let owner = try await app.request(
                .post, "/v1/operator/tenants", token: app.config.operatorToken,
                json: Self.createBody(slug: "globex", email: "nobody", password: "short")
            )
            let problem = try owner.expectProblem(.unprocessableContent)
            let pointers = Set((problem["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String })
            #expect(pointers == ["/owner/email", "/owner/password"])
            let missing = try await app.request(
                .post, "/v1/operator/tenants", token: app.config.operatorToken, json: #"{"slug":"globex","name":"Globex"}"#
            )
            let missingProblem = try missing.expectProblem(.unprocessableContent)
            #expect((missingProblem["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } == ["/owner"])

            let list = try await app.request(.get, "/v1/operator/tenants", token: app.config.operatorToken).jsonObject()
            #expect((list["items"] as? [[String: Any]])?.isEmpty == true)
        }
    }

    @Test("the list pages by slug with limit and nextCursor")
    func listPagination() async throws {
        try await TestApp.run { app in
            _ = try await app.seedTenant("acme")
            for slug in ["umbrella", "globex", "initech"] {
                let response = try await app.request(
                    .post, "/v1/operator/tenants", token: app.config.operatorToken, json: Self.createBody(slug: slug))
                #expect(response.status == .created)
            }
            var slugs: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = cursor.map { "&cursor=\($0)" } ?? ""
                let response = try await app.request(.get, "/v1/operator/tenants?limit=1\(query)", token: app.config.operatorToken)
                #expect(response.status == .ok)
                let page = try response.jsonObject()
                let items = try #require(page["items"] as? [[String: Any]])
                #expect(items.count == 1)
                slugs += items.compactMap { $0["slug"] as? String }
                #expect(page.keys.contains("nextCursor"), "nextCursor must be present, null on the last page")
                cursor = page["nextCursor"] as? String
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 4)
            #expect(slugs == ["acme", "globex", "initech", "umbrella"])

            let all = try await app.request(.get, "/v1/operator/tenants?limit=3", token: app.config.operatorToken).jsonObject()
            #expect((all["items"] as? [[String: Any]])?.compactMap { $0["slug"] as? String } == ["acme", "globex", "initech"])
            let rest = try await app.request(
                .get, "/v1/operator/tenants?limit=3&cursor=\(all["nextCursor"] as? String ?? "")", token: app.config.operatorToken
            ).jsonObject()
            #expect((rest["items"] as? [[String: Any]])?.compactMap { $0["slug"] as? String } == ["umbrella"])
            #expect(rest["nextCursor"] is NSNull)

            for bad in ["limit=0", "limit=201", "limit=abc", "cursor=%25%25%25"] {
                let response = try await app.request(.get, "/v1/operator/tenants?\(bad)", token: app.config.operatorToken)
                try response.expectProblem(.unprocessableContent)
            }
        }
    }

    @Test("suspending blocks the owner's login with tenant-suspended; resuming restores it")
    func suspendAndResume() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let other = try await app.seedTenant("globex")
            let loginBody = #"{"tenant":"acme","email":"owner@acme.test","password":"\#(SeededTenant.password)"}"#

            let suspend = try await app.request(
                .patch, "/v1/operator/tenants/\(tenant.id)", token: app.config.operatorToken, json: #"{"status":"suspended"}"#
            )
            #expect(suspend.status == .ok)
            #expect(try suspend.jsonObject()["status"] as? String == "suspended")
            #expect(try suspend.jsonObject()["id"] as? String == tenant.id.uuidString)

            let blocked = try await app.request(.post, "/v1/auth/login", json: loginBody)
            let problem = try blocked.expectProblem(.forbidden)
            #expect((problem["type"] as? String)?.hasSuffix("tenant-suspended") == true)
            // Another tenant is unaffected.
            _ = try await app.login(other, .owner)

            let resume = try await app.request(
                .patch, "/v1/operator/tenants/\(tenant.id)", token: app.config.operatorToken, json: #"{"status":"active"}"#
            )
            #expect(resume.status == .ok)
            #expect(try resume.jsonObject()["status"] as? String == "active")
            let login = try await app.request(.post, "/v1/auth/login", json: loginBody)
            #expect(login.status == .ok)

            let rename = try await app.request(
                .patch, "/v1/operator/tenants/\(tenant.id)", token: app.config.operatorToken, json: #"{"name":"Acme Renamed"}"#
            )
            #expect(rename.status == .ok)
            #expect(try rename.jsonObject()["name"] as? String == "Acme Renamed")
            #expect(try rename.jsonObject()["status"] as? String == "active")
        }
    }

    @Test("PATCH of an unknown or malformed id answers 404; invalid changes 422")
    func updateErrors() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let unknown = try await app.request(
                .patch, "/v1/operator/tenants/\(UUID())", token: app.config.operatorToken, json: #"{"status":"suspended"}"#
            )
            try unknown.expectProblem(.notFound)
            let malformed = try await app.request(
                .patch, "/v1/operator/tenants/not-a-uuid", token: app.config.operatorToken, json: #"{"status":"suspended"}"#
            )
            try malformed.expectProblem(.notFound)

            for (body, pointer) in [(#"{"status":"deleted"}"#, "/status"), (#"{}"#, ""), (#"{"name":"   "}"#, "/name")] {
                let response = try await app.request(
                    .patch, "/v1/operator/tenants/\(tenant.id)", token: app.config.operatorToken, json: body
                )
                let problem = try response.expectProblem(.unprocessableContent)
                #expect((problem["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } == [pointer], "\(body)")
            }
            // Still active, still named as before.
            let list = try await app.request(.get, "/v1/operator/tenants", token: app.config.operatorToken).jsonObject()
            let item = try #require((list["items"] as? [[String: Any]])?.first)
            #expect(item["status"] as? String == "active")
            #expect(item["name"] as? String == "Acme Inc")
        }
    }
}
