import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import App

@Suite("Tenant admin user API: users, settings and audit access")
struct UsersTests {
    /// A valid password for users the tests create.
    static let password = "a-long-enough-password"

    // MARK: - Access

    @Test("every admin route answers 403 to agents and customers and 401 without a token")
    func nonAdministratorsAreForbidden() async throws {
        try await TestApp.run { app in
            // setup
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let target = try #require(tenant.userIDs[.customer])
            let auditBefore = try await Self.auditEntries(app, token: owner)
            let routes: [(method: HTTPRequest.Method, path: String, json: String?)] = [
                (.get, "/v1/users", nil),
                (.post, "/v1/users", Self.json(["email": "new@acme.test", "name": "New", "role": "owner", "password": Self.password])),
                (.get, "/v1/users/\(target)", nil),
                (.patch, "/v1/users/\(target)", #"{"role":"owner"}"#),
                (.delete, "/v1/users/\(target)", nil),
                (.get, "/v1/settings", nil),
                (.patch, "/v1/settings", #"{"name":"Taken Over Inc"}"#),
                (.get, "/v1/audit", nil),
            ]
            // act + check: staff without admin rights, and portal customers
            for role in [Role.agent, .customer] {
                let token = try await app.token(tenant, role)
                for route in routes {
                    let response = try await app.request(route.method, route.path, token: token, json: route.json)
                    #expect(response.status == .forbidden, "\(role) \(route.method) \(route.path): \(response.text)")
                    let problem = try response.expectProblem(.forbidden)
                    #expect((problem["type"] as? String)?.hasSuffix("/forbidden") == true)
                }
            }
            // act + check: nobody
            for route in routes {
                let response = try await app.request(route.method, route.path, json: route.json)
                #expect(response.status == .unauthorized, "anonymous \(route.method) \(route.path)")
                try response.expectProblem(.unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            // check: none of the refused requests changed anything
            let customer = try await app.request(.get, "/v1/users/\(target)", token: owner).jsonObject()
            #expect(customer["role"] as? String == "customer")
            #expect(customer["status"] as? String == "active")
            #expect(try await Self.listAll(app, token: owner).count == 4)
            let settings = try await app.request(.get, "/v1/settings", token: owner).jsonObject()
            #expect((settings["tenant"] as? [String: Any])?["name"] as? String == "Acme Inc")
            #expect(try await Self.auditEntries(app, token: owner).count == auditBefore.count)
        }
    }

    @Test("a customer can read their own profile at /v1/me")
    func customerReadsMe() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let token = try await app.token(tenant, .customer)
            // act
            let response = try await app.request(.get, "/v1/me", token: token)
            // check
            #expect(response.status == .ok)
            let me = try response.jsonObject()
            #expect(me["id"] as? String == tenant.userIDs[.customer]?.uuidString)
            #expect(me["email"] as? String == "customer@acme.test")
            #expect(me["role"] as? String == "customer")
            #expect(me["tenantId"] as? String == tenant.id.uuidString)
            #expect(me["passwordHash"] == nil)
        }
    }

    // MARK: - CRUD

    @Test("owners and admins list, create, get, update and disable users", arguments: [Role.owner, .admin])
    func administratorsManageUsers(role: Role) async throws {
        try await TestApp.run { app in
            // setup
            let tenant = try await app.seedTenant("acme")
            let token = try await app.token(tenant, role)

            // list
            let seeded = try await Self.listAll(app, token: token)
            #expect(Set(seeded.compactMap { $0["id"] as? String }) == Set(tenant.userIDs.values.map(\.uuidString)))
            #expect(seeded.allSatisfy { $0["tenantId"] as? String == tenant.id.uuidString && $0["passwordHash"] == nil })

            // create
            let created = try await app.request(
                .post, "/v1/users", token: token,
                json: Self.json([
                    "email": "Nina@Acme.test", "name": "  Nina Agent ", "phone": "+91 98765-43210", "role": "agent",
                    "password": "nina-password-1",
                ])
            )
            #expect(created.status == .created, "\(created.text)")
            let user = try created.jsonObject()
            let id = try #require(user["id"] as? String)
            #expect(created.headers[.location] == "/v1/users/\(id)")
            #expect(user["tenantId"] as? String == tenant.id.uuidString)
            #expect(user["email"] as? String == "Nina@Acme.test")
            #expect(user["name"] as? String == "Nina Agent")
            #expect(user["phone"] as? String == "+919876543210")
            #expect(user["role"] as? String == "agent")
            #expect(user["status"] as? String == "active")
            #expect(user["passwordHash"] == nil && user["password"] == nil)
            #expect(!created.text.contains("nina-password-1"))
            let login = try await Self.login(app, tenant, email: "nina@acme.test", password: "nina-password-1")
            #expect(login.status == .ok, "the new user can sign in")

            // get
            let fetched = try await app.request(.get, "/v1/users/\(id)", token: token)
            #expect(fetched.status == .ok)
            let fetchedUser = try fetched.jsonObject()
            #expect(fetchedUser["email"] as? String == "Nina@Acme.test")
            #expect(fetchedUser["name"] as? String == "Nina Agent")
            #expect(fetchedUser["role"] as? String == "agent")

            // update
            let updated = try await app.request(
                .patch, "/v1/users/\(id)", token: token, json: #"{"name":"Nina Customer","phone":null,"role":"customer"}"#
            )
            #expect(updated.status == .ok, "\(updated.text)")
            let updatedUser = try updated.jsonObject()
            #expect(updatedUser["name"] as? String == "Nina Customer")
            #expect(updatedUser["phone"] == nil || updatedUser["phone"] is NSNull)
            #expect(updatedUser["role"] as? String == "customer")
            #expect(updatedUser["email"] as? String == "Nina@Acme.test", "absent fields stay")
            #expect(updatedUser["status"] as? String == "active")

            // list shows the change
            let listed = try await Self.listAll(app, token: token)
            #expect(listed.count == 5)
            #expect(listed.first { $0["id"] as? String == id }?["role"] as? String == "customer")

            // disable
            let disabled = try await app.request(.delete, "/v1/users/\(id)", token: token)
            #expect(disabled.status == .ok, "\(disabled.text)")
            #expect(try disabled.jsonObject()["status"] as? String == "disabled")
            let afterDisable = try await app.request(.get, "/v1/users/\(id)", token: token)
            #expect(afterDisable.status == .ok)
            #expect(try afterDisable.jsonObject()["status"] as? String == "disabled")
        }
    }

    // MARK: - Listing

    @Test("list pages follow nextCursor until it is null, without duplicates or gaps")
    func listPaginates() async throws {
        try await TestApp.run { app in
            // setup: 4 seeded + 5 created = 9 users
            let tenant = try await app.seedTenant("acme")
            let token = try await app.token(tenant, .admin)
            for index in 1...5 {
                _ = try await Self.createUser(app, token: token, email: "user\(index)@acme.test", name: "User \(index)", role: .agent)
            }
            let everyone = try await app.request(.get, "/v1/users?limit=200", token: token).jsonObject()
            let allIDs = (everyone["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(allIDs.count == 9)
            #expect(everyone["nextCursor"] is NSNull, "nextCursor is an explicit null on the last page")

            // act: two at a time → pages of 2, 2, 2, 2, 1
            let (byTwo, sizesByTwo) = try await Self.collectPages(app, token: token, limit: 2)
            // check
            #expect(byTwo == allIDs, "pages in creation order, nothing missing or repeated")
            #expect(Set(byTwo).count == byTwo.count)
            #expect(sizesByTwo == [2, 2, 2, 2, 1])

            // act: an exact multiple must not end with an empty page
            let (byThree, sizesByThree) = try await Self.collectPages(app, token: token, limit: 3)
            #expect(byThree == allIDs)
            #expect(sizesByThree == [3, 3, 3])

            // the default page holds everyone
            let defaultPage = try await app.request(.get, "/v1/users", token: token).jsonObject()
            #expect((defaultPage["items"] as? [Any])?.count == 9)
            #expect(defaultPage["nextCursor"] is NSNull)
        }
    }

    @Test("bad limits, cursors and filters answer 422 naming the parameter")
    func listRejectsBadQueries() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let token = try await app.token(tenant, .owner)
            let cases: [(query: String, pointer: String)] = [
                ("/v1/users?limit=0", "/query/limit"),
                ("/v1/users?limit=201", "/query/limit"),
                ("/v1/users?limit=-1", "/query/limit"),
                ("/v1/users?limit=two", "/query/limit"),
                ("/v1/users?cursor=***", "/query/cursor"),
                ("/v1/users?cursor=not-a-cursor", "/query/cursor"),
                ("/v1/users?cursor=\(PageRequest.encodeCursor("abc"))", "/query/cursor"),
                ("/v1/users?role=wizard", "/query/role"),
                ("/v1/users?status=gone", "/query/status"),
                ("/v1/audit?limit=0", "/query/limit"),
                ("/v1/audit?cursor=***", "/query/cursor"),
            ]
            for (query, pointer) in cases {
                let response = try await app.request(.get, query, token: token)
                #expect(response.status == .unprocessableContent, "\(query): \(response.text)")
                let problem = try response.expectProblem(.unprocessableContent)
                #expect((problem["type"] as? String)?.hasSuffix("/validation-failed") == true)
                #expect(Self.pointers(problem) == [pointer], "\(query)")
            }
            // both bad at once: both named
            let both = try await app.request(.get, "/v1/users?limit=0&cursor=***", token: token)
            #expect(Set(Self.pointers(try both.expectProblem(.unprocessableContent))) == ["/query/limit", "/query/cursor"])
            // the bounds themselves are fine
            #expect(try await app.request(.get, "/v1/users?limit=1", token: token).status == .ok)
            #expect(try await app.request(.get, "/v1/users?limit=200", token: token).status == .ok)
        }
    }

    @Test("role, status and q filters narrow the list and combine")
    func listFilters() async throws {
        try await TestApp.run { app in
            // setup
            let tenant = try await app.seedTenant("acme")
            let token = try await app.token(tenant, .admin)
            let zed = try await Self.createUser(app, token: token, email: "zed@acme.test", name: "Zed Zimmer", role: .agent)
            let yolanda = try await Self.createUser(app, token: token, email: "yolanda@acme.test", name: "Yolanda Quinn", role: .customer)
            #expect(try await app.request(.delete, "/v1/users/\(yolanda)", token: token).status == .ok)
            let agent = tenant.userIDs[.agent]!.uuidString
            let customer = tenant.userIDs[.customer]!.uuidString

            // act + check
            let cases: [(query: String, expected: Set<String>)] = [
                ("role=agent", [agent, zed]),
                ("status=disabled", [yolanda]),
                ("role=customer", [customer, yolanda]),
                ("role=customer&status=active", [customer]),
                ("q=ZIMMER", [zed]),  // name, case-insensitively
                ("q=ZED@ACME", [zed]),  // email, case-insensitively
                ("q=quinn&status=active", []),
                ("q=zed&role=customer", []),
                ("q=%25", []),  // "%" is literal, not a wildcard
                ("q=_", []),  // "_" too
                ("q=acme.test", Set(tenant.userIDs.values.map(\.uuidString)).union([zed, yolanda])),
                ("q=", Set(tenant.userIDs.values.map(\.uuidString)).union([zed, yolanda])),  // empty: no filter
            ]
            for (query, expected) in cases {
                let response = try await app.request(.get, "/v1/users?\(query)", token: token)
                #expect(response.status == .ok, "\(query): \(response.text)")
                let ids = Set(((try response.jsonObject())["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
                #expect(ids == expected, "\(query)")
            }
        }
    }

    // MARK: - Validation and conflicts

    @Test("an email differing only in case from an existing one is a 409")
    func duplicateEmailConflicts() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let token = try await app.token(tenant, .admin)
            // act: create
            let response = try await app.request(
                .post, "/v1/users", token: token,
                json: Self.json(["email": "AGENT@Acme.TEST", "name": "Copy", "role": "agent", "password": Self.password])
            )
            // check
            let problem = try response.expectProblem(.conflict)
            #expect((problem["type"] as? String)?.hasSuffix("/email-taken") == true)
            #expect(Self.pointers(problem) == ["/email"])
            #expect(try await Self.listAll(app, token: token).count == 4)

            // act: rename another user onto an existing email
            let zed = try await Self.createUser(app, token: token, email: "zed@acme.test", name: "Zed", role: .agent)
            let rename = try await app.request(.patch, "/v1/users/\(zed)", token: token, json: #"{"email":"Customer@ACME.test"}"#)
            let renameProblem = try rename.expectProblem(.conflict)
            #expect((renameProblem["type"] as? String)?.hasSuffix("/email-taken") == true)
            #expect(try await app.request(.get, "/v1/users/\(zed)", token: token).jsonObject()["email"] as? String == "zed@acme.test")
        }
    }

    @Test("validation failures list every bad field with a pointer and detail")
    func validationListsEveryField() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let token = try await app.token(tenant, .owner)
            let agent = tenant.userIDs[.agent]!

            // create: bad email, short password, unknown role
            let three = try await app.request(
                .post, "/v1/users", token: token,
                json: Self.json(["email": "not-an-email", "name": "Fine Name", "role": "wizard", "password": "short"])
            )
            let threeProblem = try three.expectProblem(.unprocessableContent)
            #expect(Set(Self.pointers(threeProblem)) == ["/email", "/password", "/role"])
            #expect(Self.pointers(threeProblem).count == 3)
            let errors = threeProblem["errors"] as? [[String: Any]] ?? []
            #expect(errors.allSatisfy { ($0["detail"] as? String)?.isEmpty == false })

            // create: every field bad
            let five = try await app.request(
                .post, "/v1/users", token: token,
                json: Self.json(["email": "a b@c", "name": "   ", "phone": "call me", "role": "root", "password": "short"])
            )
            #expect(
                Set(Self.pointers(try five.expectProblem(.unprocessableContent))) == ["/email", "/name", "/phone", "/role", "/password"])

            // create: a password past bcrypt's 72 bytes
            let long = try await app.request(
                .post, "/v1/users", token: token,
                json: Self.json(["email": "long@acme.test", "name": "Long", "role": "agent", "password": String(repeating: "x", count: 73)])
            )
            #expect(Self.pointers(try long.expectProblem(.unprocessableContent)) == ["/password"])

            // update: bad email, short password, unknown role and status
            let update = try await app.request(
                .patch, "/v1/users/\(agent)", token: token,
                json: Self.json(["email": "nope", "password": "short", "role": "wizard", "status": "sleeping"])
            )
            #expect(Set(Self.pointers(try update.expectProblem(.unprocessableContent))) == ["/email", "/password", "/role", "/status"])

            // update: nothing to change
            try await app.request(.patch, "/v1/users/\(agent)", token: token, json: "{}").expectProblem(.unprocessableContent)

            // check: nothing was created or changed
            #expect(try await Self.listAll(app, token: token).count == 4)
            let stillAgent = try await app.request(.get, "/v1/users/\(agent)", token: token).jsonObject()
            #expect(stillAgent["email"] as? String == "agent@acme.test")
            #expect(stillAgent["role"] as? String == "agent")
            _ = try await app.login(tenant, .agent)
        }
    }

    // MARK: - Ownership rules

    @Test("only owners create, promote or change owners")
    func onlyOwnersManageOwners() async throws {
        try await TestApp.run { app in
            // setup
            let tenant = try await app.seedTenant("acme")
            let admin = try await app.token(tenant, .admin)
            let owner = try await app.token(tenant, .owner)
            let ownerID = tenant.userIDs[.owner]!
            let adminID = tenant.userIDs[.admin]!
            let agentID = tenant.userIDs[.agent]!
            let auditBefore = try await Self.auditEntries(app, token: owner).count

            // act + check: an admin may not
            let refused: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/v1/users", Self.json(["email": "boss@acme.test", "name": "Boss", "role": "owner", "password": Self.password])),
                (.patch, "/v1/users/\(ownerID)", #"{"name":"Renamed Owner"}"#),
                (.patch, "/v1/users/\(ownerID)", #"{"role":"agent"}"#),
                (.patch, "/v1/users/\(ownerID)", #"{"password":"taken-over-password"}"#),
                (.patch, "/v1/users/\(agentID)", #"{"role":"owner"}"#),
                (.patch, "/v1/users/\(adminID)", #"{"role":"owner"}"#),
                (.delete, "/v1/users/\(ownerID)", nil),
            ]
            for (method, path, json) in refused {
                let response = try await app.request(method, path, token: admin, json: json)
                #expect(response.status == .forbidden, "\(method) \(path) \(json ?? ""): \(response.text)")
                try response.expectProblem(.forbidden)
            }
            // nothing changed and nothing was audited
            let ownerUser = try await app.request(.get, "/v1/users/\(ownerID)", token: owner).jsonObject()
            #expect(ownerUser["name"] as? String == "Owner acme")
            #expect(ownerUser["role"] as? String == "owner")
            #expect(ownerUser["status"] as? String == "active")
            #expect(try await app.request(.get, "/v1/users/\(agentID)", token: owner).jsonObject()["role"] as? String == "agent")
            #expect(try await app.request(.get, "/v1/users/\(adminID)", token: owner).jsonObject()["role"] as? String == "admin")
            #expect(try await Self.listAll(app, token: owner).count == 4)
            #expect(try await Self.auditEntries(app, token: owner).count == auditBefore)
            _ = try await app.login(tenant, .owner)

            // an admin may still create admins and change non-owners
            let deputy = try await app.request(
                .post, "/v1/users", token: admin,
                json: Self.json(["email": "deputy@acme.test", "name": "Deputy", "role": "admin", "password": Self.password])
            )
            #expect(deputy.status == .created)
            #expect(try await app.request(.patch, "/v1/users/\(agentID)", token: admin, json: #"{"name":"Agent Renamed"}"#).status == .ok)

            // act + check: an owner may
            let boss = try await app.request(
                .post, "/v1/users", token: owner,
                json: Self.json(["email": "boss@acme.test", "name": "Boss", "role": "owner", "password": Self.password])
            )
            #expect(boss.status == .created, "\(boss.text)")
            #expect(try boss.jsonObject()["role"] as? String == "owner")
            let promoted = try await app.request(.patch, "/v1/users/\(agentID)", token: owner, json: #"{"role":"owner"}"#)
            #expect(promoted.status == .ok, "\(promoted.text)")
            #expect(try promoted.jsonObject()["role"] as? String == "owner")
        }
    }

    @Test("the last active owner can be neither demoted nor disabled, until a second owner exists")
    func lastOwnerStays() async throws {
        try await TestApp.run { app in
            // setup
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let ownerID = tenant.userIDs[.owner]!

            // act + check: the only owner
            let attempts: [(HTTPRequest.Method, String?)] = [
                (.patch, #"{"role":"admin"}"#),
                (.patch, #"{"status":"disabled"}"#),
                (.patch, #"{"role":"customer","status":"disabled"}"#),
                (.delete, nil),
            ]
            for (method, json) in attempts {
                let response = try await app.request(method, "/v1/users/\(ownerID)", token: owner, json: json)
                #expect(response.status == .conflict, "\(method) \(json ?? ""): \(response.text)")
                let problem = try response.expectProblem(.conflict)
                #expect((problem["type"] as? String)?.hasSuffix("/last-owner") == true)
            }
            let unchanged = try await app.request(.get, "/v1/users/\(ownerID)", token: owner).jsonObject()
            #expect(unchanged["role"] as? String == "owner")
            #expect(unchanged["status"] as? String == "active")
            // a harmless change to the last owner is fine
            #expect(try await app.request(.patch, "/v1/users/\(ownerID)", token: owner, json: #"{"name":"Still Owner"}"#).status == .ok)

            // act: a second owner appears, and the first steps down
            let secondID = try await Self.createUser(app, token: owner, email: "second@acme.test", name: "Second Owner", role: .owner)
            let demoted = try await app.request(.patch, "/v1/users/\(ownerID)", token: owner, json: #"{"role":"admin"}"#)
            // check
            #expect(demoted.status == .ok, "\(demoted.text)")
            #expect(try demoted.jsonObject()["role"] as? String == "admin")

            // the second owner is now the last one
            let second = try await Self.login(app, tenant, email: "second@acme.test", password: Self.password)
            let secondToken = try Tokens(second).accessToken
            try await app.request(.delete, "/v1/users/\(secondID)", token: secondToken).expectProblem(.conflict)

            // a disabled owner does not count as an active one
            let thirdID = try await Self.createUser(app, token: secondToken, email: "third@acme.test", name: "Third Owner", role: .owner)
            let disabledThird = try await app.request(.delete, "/v1/users/\(thirdID)", token: secondToken)
            #expect(disabledThird.status == .ok, "\(disabledThird.text)")
            try await app.request(.patch, "/v1/users/\(secondID)", token: secondToken, json: #"{"role":"agent"}"#)
                .expectProblem(.conflict)
            #expect(try await app.request(.get, "/v1/users/\(secondID)", token: secondToken).jsonObject()["role"] as? String == "owner")
        }
    }

    // MARK: - Disabling and password resets

    @Test("DELETE disables: the row stays readable and the user can no longer sign in")
    func deleteDisables() async throws {
        try await TestApp.run { app in
            // setup
            let tenant = try await app.seedTenant("acme")
            let admin = try await app.token(tenant, .admin)
            let agentID = tenant.userIDs[.agent]!
            let agentSession = try await app.login(tenant, .agent)
            // act
            let response = try await app.request(.delete, "/v1/users/\(agentID)", token: admin)
            // check
            #expect(response.status == .ok, "\(response.text)")
            #expect(try response.jsonObject()["status"] as? String == "disabled")
            let fetched = try await app.request(.get, "/v1/users/\(agentID)", token: admin)
            #expect(fetched.status == .ok)
            let user = try fetched.jsonObject()
            #expect(user["status"] as? String == "disabled")
            #expect(user["email"] as? String == "agent@acme.test")
            #expect(user["role"] as? String == "agent")
            let disabledList = try await app.request(.get, "/v1/users?status=disabled", token: admin).jsonObject()
            #expect((disabledList["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [agentID.uuidString])

            let login = try await Self.login(app, tenant, email: "agent@acme.test", password: SeededTenant.password)
            let problem = try login.expectProblem(.forbidden)
            #expect((problem["type"] as? String)?.hasSuffix("/user-disabled") == true)
            try await app.request(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(agentSession.refreshToken)"}"#)
                .expectProblem(.unauthorized)
            try await expectEventuallyUnauthorized(app, token: agentSession.accessToken)

            // re-enabling restores sign-in
            #expect(try await app.request(.patch, "/v1/users/\(agentID)", token: admin, json: #"{"status":"active"}"#).status == .ok)
            _ = try await app.login(tenant, .agent)
        }
    }

    @Test("a password reset lets the user sign in with the new password and ends their old sessions")
    func passwordReset() async throws {
        try await TestApp.run { app in
            // setup
            let tenant = try await app.seedTenant("acme")
            let admin = try await app.token(tenant, .admin)
            let agentID = tenant.userIDs[.agent]!
            let old = try await app.login(tenant, .agent)
            let newPassword = "reset-password-2024"
            // a too short password changes nothing
            try await app.request(.patch, "/v1/users/\(agentID)", token: admin, json: #"{"password":"short"}"#)
                .expectProblem(.unprocessableContent)
            #expect(try await app.request(.get, "/v1/me", token: old.accessToken).status == .ok)

            // act
            let response = try await app.request(.patch, "/v1/users/\(agentID)", token: admin, json: Self.json(["password": newPassword]))
            // check
            #expect(response.status == .ok, "\(response.text)")
            #expect(!response.text.contains(newPassword))
            let rejected = try await Self.login(app, tenant, email: "agent@acme.test", password: SeededTenant.password)
            try rejected.expectProblem(.unauthorized)
            let fresh = try await app.login(tenant, .agent, password: newPassword)
            #expect(try await app.request(.get, "/v1/me", token: fresh.accessToken).status == .ok)
            try await app.request(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(old.refreshToken)"}"#)
                .expectProblem(.unauthorized)
            try await expectEventuallyUnauthorized(app, token: old.accessToken)
            // the new session is unaffected by the old one's revocation
            #expect(try await app.request(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(fresh.refreshToken)"}"#).status == .ok)
        }
    }

    // MARK: - Audit

    @Test("every admin change is audited with actor, target and request id, and never with a password or secret")
    func auditRecordsChanges() async throws {
        try await TestApp.run { app in
            // setup
            let tenant = try await app.seedTenant("acme")
            let admin = try await app.token(tenant, .admin)
            let owner = try await app.token(tenant, .owner)
            let adminID = tenant.userIDs[.admin]!.uuidString
            let ownerID = tenant.userIDs[.owner]!.uuidString
            let agentID = tenant.userIDs[.agent]!.uuidString
            let createPassword = "created-with-this-password"
            let resetPassword = "reset-to-this-password"
            let secret = "rzp_secret_value_987654"

            // act: one change of each kind, each remembering its request id
            let create = try await app.request(
                .post, "/v1/users", token: admin,
                json: Self.json(["email": "audited@acme.test", "name": "Audited", "role": "agent", "password": createPassword])
            )
            #expect(create.status == .created)
            let newID = try #require(try create.jsonObject()["id"] as? String)
            let rename = try await app.request(.patch, "/v1/users/\(newID)", token: admin, json: #"{"name":"Audited Renamed"}"#)
            let reset = try await app.request(.patch, "/v1/users/\(newID)", token: admin, json: Self.json(["password": resetPassword]))
            let disable = try await app.request(.delete, "/v1/users/\(newID)", token: admin)
            let settings = try await app.request(
                .patch, "/v1/settings", token: admin,
                json: #"{"timezone":"Asia/Kolkata","integrations":{"razorpay":{"keySecret":"\#(secret)"}}}"#
            )
            let promote = try await app.request(.patch, "/v1/users/\(agentID)", token: owner, json: #"{"role":"admin"}"#)
            for response in [rename, reset, disable, settings, promote] { #expect(response.status == .ok, "\(response.text)") }
            // refused changes leave no trace
            try await app.request(.patch, "/v1/users/\(ownerID)", token: admin, json: #"{"name":"Nope"}"#).expectProblem(.forbidden)
            try await app.request(.delete, "/v1/users/\(ownerID)", token: owner).expectProblem(.conflict)

            // check
            let response = try await app.request(.get, "/v1/audit", token: owner)
            #expect(response.status == .ok)
            for forbidden in [createPassword, resetPassword, secret, "passwordHash", "$2b$", "$2y$"] {
                #expect(!response.text.contains(forbidden), "the audit log must not contain \(forbidden)")
            }
            let entries = try #require(try response.jsonObject()["items"] as? [[String: Any]])
            let expected: [(action: String, target: String, actor: String, details: [String: String], request: TestResponse)] = [
                ("user.updated", agentID, ownerID, ["fields": "role"], promote),
                ("settings.updated", tenant.id.uuidString, adminID, [:], settings),
                ("user.updated", newID, adminID, ["fields": "status"], disable),
                ("user.updated", newID, adminID, ["fields": "password"], reset),
                ("user.updated", newID, adminID, ["fields": "name"], rename),
                ("user.created", newID, adminID, ["role": "agent"], create),
            ]
            try #require(entries.count == expected.count + 1, "six changes and the seeding manifest: \(entries)")
            for (entry, want) in zip(entries, expected) {
                #expect(entry["action"] as? String == want.action)
                #expect(entry["targetId"] as? String == want.target, "\(want.action)")
                #expect(entry["actorUserId"] as? String == want.actor, "\(want.action)")
                #expect(entry["actorKind"] as? String == "user")
                #expect(entry["requestId"] as? String == want.request.headers[HTTPField.Name("X-Request-Id")!], "\(want.action)")
                let details = entry["details"] as? [String: String] ?? [:]
                for (key, value) in want.details { #expect(details[key] == value, "\(want.action) \(key)") }
            }
            #expect(entries[1]["targetType"] as? String == "tenant")
            #expect(entries[5]["targetType"] as? String == "user")
            let settingsFields = (entries[1]["details"] as? [String: String])?["fields"] ?? ""
            #expect(settingsFields.contains("timezone") && settingsFields.contains("razorpay"))
            #expect(entries.last?["action"] as? String == "tenant.manifest-applied")
            let ids = entries.compactMap { $0["id"] as? Int }
            #expect(ids == ids.sorted(by: >), "newest first")

            // the audit log pages like the user list
            var paged: [Int] = []
            var cursor: String?
            repeat {
                let page = try await app.request(.get, "/v1/audit?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), token: admin)
                    .jsonObject()
                paged += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                cursor = page["nextCursor"] as? String
            } while cursor != nil && paged.count < 100
            #expect(paged == ids)
        }
    }
}

// MARK: - Helpers

extension UsersTests {
    /// A JSON object as request body text.
    static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Creates a user through the API and returns its id.
    static func createUser(
        _ app: TestApp, token: String, email: String, name: String, role: Role, password: String = UsersTests.password,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let response = try await app.request(
            .post, "/v1/users", token: token, json: json(["email": email, "name": name, "role": role.rawValue, "password": password])
        )
        #expect(response.status == .created, "creating \(email): \(response.text)", sourceLocation: sourceLocation)
        return try #require(try response.jsonObject()["id"] as? String, sourceLocation: sourceLocation)
    }

    /// A login attempt with any credentials.
    static func login(_ app: TestApp, _ tenant: SeededTenant, email: String, password: String) async throws -> TestResponse {
        try await app.request(.post, "/v1/auth/login", json: json(["tenant": tenant.slug, "email": email, "password": password]))
    }

    /// Every user of the caller's tenant, in one page.
    static func listAll(_ app: TestApp, token: String) async throws -> [[String: Any]] {
        let response = try await app.request(.get, "/v1/users?limit=200", token: token)
        #expect(response.status == .ok)
        return try response.jsonObject()["items"] as? [[String: Any]] ?? []
    }

    /// Every audit entry of the caller's tenant, newest first.
    static func auditEntries(_ app: TestApp, token: String) async throws -> [[String: Any]] {
        let response = try await app.request(.get, "/v1/audit?limit=200", token: token)
        #expect(response.status == .ok)
        return try response.jsonObject()["items"] as? [[String: Any]] ?? []
    }

    /// Follows `nextCursor` from the first page; returns the ids seen and each page's size.
    static func collectPages(_ app: TestApp, token: String, limit: Int) async throws -> (ids: [String], sizes: [Int]) {
        var ids: [String] = []
        var sizes: [Int] = []
        var cursor: String?
        repeat {
            let response = try await app.request(.get, "/v1/users?limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
            #expect(response.status == .ok, "\(response.text)")
            let page = try response.jsonObject()
            #expect(page.keys.contains("nextCursor"))
            let items = try #require(page["items"] as? [[String: Any]])
            ids += items.compactMap { $0["id"] as? String }
            sizes.append(items.count)
            cursor = page["nextCursor"] as? String
        } while cursor != nil && sizes.count < 50
        return (ids, sizes)
    }

    /// The `pointer`s of a validation problem's `errors`.
    static func pointers(_ problem: [String: Any]) -> [String] {
        (problem["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String }
    }
}
