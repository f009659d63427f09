import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
@testable import Persistence
import PostgresNIO
import Testing

@testable import App

@Suite("Tenant isolation: the API and the row-level security backstop")
struct TenantIsolationTests {
    static let logger: Logger = {
        var logger = Logger(label: "isolation-tests")
        logger.logLevel = .error
        return logger
    }()

    /// Every tenant-owned table, with the column naming its tenant.
    static let tables: [(name: String, tenantColumn: String)] = [
        ("tenants", "id"), ("users", "tenant_id"), ("sessions", "tenant_id"), ("refresh_tokens", "tenant_id"),
        ("audit_log", "tenant_id"), ("tenant_secrets", "tenant_id"),
    ]

    // MARK: - The API

    @Test("GET, PATCH and DELETE of another tenant's user answer 404, reveal nothing and change nothing")
    func otherTenantsUsersAreNotFound() async throws {
        try await TestApp.run { app in
            // setup
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let acmeOwner = try await app.token(acme, .owner)
            let acmeAdmin = try await app.token(acme, .admin)
            let globexAdmin = try await app.token(globex, .admin)
            let globexAgent = try await app.login(globex, .agent)
            var before: [UUID: [String: Any]] = [:]
            for id in globex.userIDs.values {
                before[id] = try await app.request(.get, "/v1/users/\(id)", token: globexAdmin).jsonObject()
            }
            let globexAuditBefore = try await Self.auditEntries(app, token: globexAdmin).count
            let acmeAuditBefore = try await Self.auditEntries(app, token: acmeOwner).count
            // what an id that exists nowhere answers
            let nowhere = try await app.request(.get, "/v1/users/\(UUID())", token: acmeOwner).expectProblem(.notFound)
            let attempts: [(method: HTTPRequest.Method, json: String?)] = [
                (.get, nil),
                (
                    .patch,
                    #"{"name":"Hijacked","email":"hijacked@acme.test","role":"customer","status":"disabled","password":"hijacked-password"}"#
                ),
                (.patch, #"{"password":"hijacked-password"}"#),
                (.patch, #"{"role":"owner"}"#),
                (.delete, nil),
            ]

            // act + check
            for token in [acmeOwner, acmeAdmin] {
                for (role, id) in globex.userIDs {
                    for attempt in attempts {
                        let response = try await app.request(attempt.method, "/v1/users/\(id)", token: token, json: attempt.json)
                        #expect(response.status == .notFound, "\(attempt.method) globex \(role): \(response.text)")
                        var problem = try response.expectProblem(.notFound)
                        for key in ["type", "title", "detail"] {
                            #expect(problem[key] as? String == nowhere[key] as? String, "indistinguishable from a missing id: \(key)")
                        }
                        #expect(problem["errors"] == nil)
                        // Nothing of the user: the id appears only as the requested path.
                        let text = response.text.lowercased()
                        for leak in ["globex", globex.email(role), globex.id.uuidString.lowercased(), "hijacked"] {
                            #expect(!text.contains(leak), "404 body mentions \(leak): \(response.text)")
                        }
                        problem["instance"] = nil
                        let rest = String(describing: problem).lowercased()
                        #expect(!rest.contains(id.uuidString.lowercased()), "the id leaks outside `instance`: \(response.text)")
                    }
                }
            }

            // check: globex's admin sees every user exactly as before
            for (id, old) in before {
                let now = try await app.request(.get, "/v1/users/\(id)", token: globexAdmin).jsonObject()
                for key in ["id", "tenantId", "email", "name", "role", "status", "updatedAt"] {
                    #expect(String(describing: now[key] ?? "nil") == String(describing: old[key] ?? "nil"), "\(id) \(key) changed")
                }
            }
            // no password reset or disable leaked through: sessions stay open, old passwords work
            let refreshed = try await app.request(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(globexAgent.refreshToken)"}"#)
            #expect(refreshed.status == .ok, "globex's agent session must survive: \(refreshed.text)")
            for role in Role.allCases { _ = try await app.login(globex, role) }
            // and nothing was audited on either side
            #expect(try await Self.auditEntries(app, token: globexAdmin).count == globexAuditBefore)
            #expect(try await Self.auditEntries(app, token: acmeOwner).count == acmeAuditBefore)
        }
    }

    @Test("an id that is not a UUID answers 404 on every id route")
    func malformedIDsAreNotFound() async throws {
        try await TestApp.run { app in
            let acme = try await app.seedTenant("acme")
            let token = try await app.token(acme, .owner)
            let ids = ["not-a-uuid", "123", "00000000-0000-0000-0000-00000000000g", "%27%20OR%20%271%27=%271", "\(acme.id)x"]
            for id in ids {
                for (method, json) in [(HTTPRequest.Method.get, nil), (.patch, #"{"name":"Renamed"}"#), (.delete, nil)]
                    as [(HTTPRequest.Method, String?)]
                {
                    let response = try await app.request(method, "/v1/users/\(id)", token: token, json: json)
                    #expect(response.status == .notFound, "\(method) \(id): \(response.text)")
                    try response.expectProblem(.notFound)
                }
            }
            // nothing was renamed or disabled
            let users = try await app.request(.get, "/v1/users", token: token).jsonObject()["items"] as? [[String: Any]] ?? []
            #expect(users.count == 4)
            #expect(users.allSatisfy { $0["name"] as? String != "Renamed" && $0["status"] as? String == "active" })
        }
    }

    @Test("the user list, its search and its filters show only the caller's tenant")
    func listsShowOwnTenantOnly() async throws {
        try await TestApp.run { app in
            // setup
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            for (tenant, other) in [(acme, globex), (globex, acme)] {
                let token = try await app.token(tenant, .admin)
                let own = Set(tenant.userIDs.values.map(\.uuidString))
                let cases: [(query: String, expected: Set<String>)] = [
                    ("limit=200", own),
                    ("q=\(other.slug)", []),
                    ("q=@\(other.slug).test", []),
                    ("q=owner%20\(other.slug)", []),
                    ("q=\(other.email(.agent))", []),
                    ("q=owner", [tenant.userIDs[.owner]!.uuidString]),
                    ("q=.test", own),
                    ("role=owner", [tenant.userIDs[.owner]!.uuidString]),
                    ("status=active", own),
                ]
                for (query, expected) in cases {
                    let response = try await app.request(.get, "/v1/users?\(query)", token: token)
                    #expect(response.status == .ok)
                    let items = try response.jsonObject()["items"] as? [[String: Any]] ?? []
                    #expect(Set(items.compactMap { $0["id"] as? String }) == expected, "\(tenant.slug) ?\(query)")
                    #expect(items.allSatisfy { $0["tenantId"] as? String == tenant.id.uuidString })
                    #expect(!response.text.contains("@\(other.slug).test"))
                }
                // page by page, too
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let page = try await app.request(.get, "/v1/users?limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
                        .jsonObject()
                    seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                    cursor = page["nextCursor"] as? String
                } while cursor != nil && seen.count < 50
                #expect(seen.count == 4 && Set(seen) == own, "\(tenant.slug) pages")
            }
        }
    }

    @Test("settings and the audit log show only the caller's tenant")
    func settingsAndAuditShowOwnTenantOnly() async throws {
        try await TestApp.run { app in
            // setup
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let acmeAdmin = try await app.token(acme, .admin)
            let globexAdmin = try await app.token(globex, .admin)
            let acmeSettingsBefore = try await app.request(.get, "/v1/settings", token: acmeAdmin).jsonObject()
            let acmeAuditBefore = try await Self.auditEntries(app, token: acmeAdmin).count

            // act: globex changes its settings and a user
            let settings = try await app.request(
                .patch, "/v1/settings", token: globexAdmin,
                json:
                    #"{"name":"Globex Renamed","defaultCountryCode":"+44","integrations":{"razorpay":{"keyId":"rzp_globex","keySecret":"globex-secret-abcd"}}}"#
            )
            #expect(settings.status == .ok, "\(settings.text)")
            let rename = try await app.request(
                .patch, "/v1/users/\(globex.userIDs[.agent]!)", token: globexAdmin, json: #"{"name":"Globex Agent 2"}"#)
            #expect(rename.status == .ok)

            // check: acme's settings are acme's and unchanged
            let acmeSettings = try await app.request(.get, "/v1/settings", token: acmeAdmin)
            #expect(acmeSettings.status == .ok)
            let acmeJSON = try acmeSettings.jsonObject()
            #expect(NSDictionary(dictionary: acmeJSON).isEqual(to: acmeSettingsBefore), "acme's settings changed: \(acmeSettings.text)")
            let acmeTenant = acmeJSON["tenant"] as? [String: Any]
            #expect(acmeTenant?["id"] as? String == acme.id.uuidString)
            #expect(acmeTenant?["slug"] as? String == "acme")
            #expect(acmeTenant?["name"] as? String == "Acme Inc")
            #expect(acmeJSON["defaultCountryCode"] as? String == "+91")
            let razorpay = (acmeJSON["integrations"] as? [String: Any])?["razorpay"] as? [String: Any]
            #expect(razorpay?["keyId"] == nil || razorpay?["keyId"] is NSNull)
            #expect((razorpay?["keySecret"] as? [String: Any])?["configured"] as? Bool == false)
            #expect(!acmeSettings.text.lowercased().contains("globex"))
            // and globex's are globex's
            let globexSettings = try await app.request(.get, "/v1/settings", token: globexAdmin).jsonObject()
            #expect((globexSettings["tenant"] as? [String: Any])?["id"] as? String == globex.id.uuidString)
            #expect((globexSettings["tenant"] as? [String: Any])?["name"] as? String == "Globex Renamed")

            // check: acme's audit log holds only acme's entries
            let acmeAudit = try await app.request(.get, "/v1/audit?limit=200", token: acmeAdmin)
            let acmeEntries = try acmeAudit.jsonObject()["items"] as? [[String: Any]] ?? []
            #expect(acmeEntries.count == acmeAuditBefore)
            let acmeIDs = Set(acme.userIDs.values.map(\.uuidString))
            let globexIDs = Set(globex.userIDs.values.map(\.uuidString)).union([globex.id.uuidString])
            for entry in acmeEntries {
                #expect(!globexIDs.contains(entry["targetId"] as? String ?? ""), "\(entry)")
                if let actor = entry["actorUserId"] as? String { #expect(acmeIDs.contains(actor), "\(entry)") }
            }
            let acmeAuditText = acmeAudit.text.lowercased()
            for id in globexIDs { #expect(!acmeAuditText.contains(id.lowercased())) }
            // and globex's holds its own changes
            let globexEntries = try await Self.auditEntries(app, token: globexAdmin)
            #expect(globexEntries.map { $0["action"] as? String } == ["user.updated", "settings.updated", "tenant.manifest-applied"])
            #expect(globexEntries.allSatisfy { ($0["actorUserId"] as? String).map { globexIDs.contains($0) } ?? true })
        }
    }

    @Test("an access token naming one tenant but another tenant's user or session is refused")
    func tokensCannotMixTenants() async throws {
        try await TestApp.run { app in
            // setup: a real acme session, and a signer with the server's own key
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let session = try await app.login(acme, .admin)
            let payload = try #require(session.accessToken.split(separator: ".").dropFirst().first)
            let payloadData = try #require(Data(base64URL: String(payload)))
            let claims = try #require(try JSONSerialization.jsonObject(with: payloadData) as? [String: Any])
            let sessionID = try #require((claims["sid"] as? String).flatMap(UUID.init(uuidString:)))
            let signer = await AccessTokenSigner(secret: app.config.jwtSecret)
            func token(user: UUID, tenant: UUID) async throws -> String {
                try await signer.sign(
                    user: User(
                        id: user, tenantID: tenant, email: "x@x.test", name: "X", phone: nil, role: .owner, status: .active,
                        createdAt: Date(), updatedAt: Date()
                    ),
                    sessionID: sessionID
                )
            }
            // a correctly re-signed token works, so the refusals below are about the tenants
            let genuine = try await token(user: acme.userIDs[.admin]!, tenant: acme.id)
            #expect(try await app.request(.get, "/v1/users", token: genuine).status == .ok)

            // act + check: acme's user and session presented as globex's, and globex's owner inside acme's session
            let forged = [
                try await token(user: acme.userIDs[.admin]!, tenant: globex.id),
                try await token(user: globex.userIDs[.owner]!, tenant: acme.id),
                try await token(user: globex.userIDs[.owner]!, tenant: globex.id),
            ]
            for forgedToken in forged {
                for path in ["/v1/me", "/v1/users", "/v1/users/\(globex.userIDs[.owner]!)", "/v1/settings", "/v1/audit"] {
                    // The genuine token just vouched for the session (and warmed any cache of it) ...
                    #expect(try await app.request(.get, "/v1/me", token: genuine).status == .ok)
                    // ... which must not vouch for another tenant's or user's token naming the same session.
                    let response = try await app.request(.get, path, token: forgedToken)
                    #expect(response.status == .unauthorized, "\(path): \(response.text)")
                    try response.expectProblem(.unauthorized)
                }
            }
        }
    }

    // MARK: - Row-level security

    @Test("inside withTenant, unfiltered SELECTs see only that tenant's rows in every table")
    func rowLevelSecurityScopesReads() async throws {
        try await TestApp.run { app in
            // setup: rows of both tenants in every table
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            for tenant in [acme, globex] {
                let admin = try await app.token(tenant, .admin)  // a session and a refresh token
                let secret = try await app.request(
                    .patch, "/v1/settings", token: admin, json: #"{"integrations":{"livekit":{"apiSecret":"secret-of-\#(tenant.slug)"}}}"#
                )
                #expect(secret.status == .ok)  // a secret and an audit entry
            }
            let database = app.database
            let logger = Self.logger

            for table in Self.tables {
                // act: deliberately no tenant filter
                let scoped = try await database.withTenant(acme.id, logger: logger) { connection in
                    (
                        count: try await Self.count("SELECT count(*) FROM \(table.name)", on: connection),
                        tenants: try await Self.uuids("SELECT DISTINCT \(table.tenantColumn) FROM \(table.name)", on: connection)
                    )
                }
                let actual = try await database.withCrossTenantAccess(.operatorAdministration, logger: logger) { connection in
                    (
                        acme: try await Self.count(
                            "SELECT count(*) FROM \(table.name) WHERE \(table.tenantColumn) = '\(acme.id)'", on: connection
                        ),
                        globex: try await Self.count(
                            "SELECT count(*) FROM \(table.name) WHERE \(table.tenantColumn) = '\(globex.id)'", on: connection
                        )
                    )
                }
                // check
                #expect(actual.acme > 0 && actual.globex > 0, "\(table.name) needs rows of both tenants for this test to mean anything")
                #expect(scoped.count == actual.acme, "\(table.name): withTenant(acme) counted \(scoped.count), acme has \(actual.acme)")
                #expect(scoped.tenants == [acme.id], "\(table.name)")
            }
            let users = try await database.withTenant(acme.id, logger: logger) { connection in
                try await Self.count("SELECT count(*) FROM users", on: connection)
            }
            #expect(users == 4)
        }
    }

    @Test("a connection with no tenant set sees no rows at all")
    func noTenantSeesNothing() async throws {
        try await TestApp.run { app in
            // setup
            let acme = try await app.seedTenant("acme")
            _ = try await app.seedTenant("globex")
            _ = try await app.login(acme, .owner)
            let database = app.database
            let logger = Self.logger
            // a tenant transaction first, so pooled connections have carried the setting once
            let scoped = try await database.withTenant(acme.id, logger: logger) { connection in
                try await Self.count("SELECT count(*) FROM users", on: connection)
            }
            #expect(scoped == 4)

            for _ in 0..<3 {  // the pool holds 2 connections: touch each of them
                // act
                let seen = try await database.withUnscopedConnection(logger: logger) { connection in
                    var counts: [String: Int64] = [:]
                    for table in Self.tables {
                        counts[table.name] = try await Self.count("SELECT count(*) FROM \(table.name)", on: connection)
                    }
                    let inTransaction = try await connection.inTransaction(logger: logger) { connection in
                        try await Self.count("SELECT count(*) FROM users", on: connection)
                    }
                    return (counts: counts, usersInTransaction: inTransaction)
                }
                // check
                #expect(seen.usersInTransaction == 0)
                for table in Self.tables { #expect(seen.counts[table.name] == 0, "\(table.name) without a tenant") }
            }
        }
    }

    @Test("inside withTenant, writes of another tenant's rows are rejected or touch nothing")
    func rowLevelSecurityRejectsWrites() async throws {
        try await TestApp.run { app in
            // setup
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let database = app.database
            let logger = Self.logger
            let agentID = acme.userIDs[.agent]!

            // act + check: rows carrying globex's id fail the WITH CHECK policy
            let insertUser = await Self.rejection {
                try await database.withTenant(acme.id, logger: logger) { connection in
                    _ = try await connection.query(
                        """
                        INSERT INTO users (tenant_id, email, name, role, password_hash)
                        VALUES (\(globex.id), \("intruder@globex.test"), \("Intruder"), \("owner"), \("x"))
                        """,
                        logger: logger
                    )
                }
            }
            #expect(insertUser?.serverInfo?[.sqlState] == "42501", "INSERT of a globex user: \(String(describing: insertUser))")
            let insertAudit = await Self.rejection {
                try await database.withTenant(acme.id, logger: logger) { connection in
                    _ = try await connection.query(
                        "INSERT INTO audit_log (tenant_id, actor_kind, action, target_type) VALUES (\(globex.id), 'system', 'forged', 'tenant')",
                        logger: logger
                    )
                }
            }
            #expect(insertAudit?.serverInfo?[.sqlState] == "42501", "INSERT of a globex audit entry")
            let moveUser = await Self.rejection {
                try await database.withTenant(acme.id, logger: logger) { connection in
                    _ = try await connection.query("UPDATE users SET tenant_id = \(globex.id) WHERE id = \(agentID)", logger: logger)
                }
            }
            #expect(moveUser?.serverInfo?[.sqlState] == "42501", "moving an acme user into globex")

            // act + check: globex's rows are invisible to UPDATE and DELETE
            let touched = try await database.withTenant(acme.id, logger: logger) { connection in
                let updated = try await Self.count(
                    "WITH t AS (UPDATE users SET name = 'Hijacked' WHERE tenant_id = '\(globex.id)' RETURNING 1) SELECT count(*) FROM t",
                    on: connection
                )
                let deleted = try await Self.count(
                    "WITH t AS (DELETE FROM audit_log WHERE tenant_id = '\(globex.id)' RETURNING 1) SELECT count(*) FROM t",
                    on: connection
                )
                return updated + deleted
            }
            #expect(touched == 0)

            // check: globex is intact and acme's agent is still acme's
            let after = try await database.withCrossTenantAccess(.operatorAdministration, logger: logger) { connection in
                (
                    globexUsers: try await Self.count("SELECT count(*) FROM users WHERE tenant_id = '\(globex.id)'", on: connection),
                    hijacked: try await Self.count("SELECT count(*) FROM users WHERE name = 'Hijacked'", on: connection),
                    intruders: try await Self.count("SELECT count(*) FROM users WHERE email = 'intruder@globex.test'", on: connection),
                    globexAudit: try await Self.count("SELECT count(*) FROM audit_log WHERE tenant_id = '\(globex.id)'", on: connection),
                    agentTenant: try await Self.uuids("SELECT tenant_id FROM users WHERE id = '\(agentID)'", on: connection)
                )
            }
            #expect(after.globexUsers == 4)
            #expect(after.hijacked == 0)
            #expect(after.intruders == 0)
            #expect(after.globexAudit == 1, "the seeding manifest's entry")
            #expect(after.agentTenant == [acme.id])
        }
    }

    /// Reads sent together with BEGIN and the tenant scope run after both: in the
    /// transaction, under the scope, which the body still has.
    @Test("reads sent with a tenant transaction's BEGIN see only that tenant, inside the transaction")
    func readsSentWithBeginAreScoped() async throws {
        try await TestApp.run { app in
            let acme = try await app.seedTenant("acme")
            _ = try await app.seedTenant("globex")
            let reads: [PostgresQuery] = [
                "SELECT DISTINCT tenant_id FROM users",
                "SELECT count(*) FROM users",
                "SELECT txid_current()",
            ]
            let seen = try await app.database.withTenant(acme.id, reading: reads, logger: Self.logger) { connection, rows in
                (
                    tenants: try await Set(rows[0].decode(UUID.self).reduce(into: []) { $0.append($1) }),
                    users: try await rows[1].decode(Int64.self).reduce(0) { $0 + $1 },
                    transaction: try await rows[2].decode(Int64.self).reduce(0) { $0 + $1 },
                    bodyTransaction: try await Self.count("SELECT txid_current()", on: connection),
                    bodyUsers: try await Self.count("SELECT count(*) FROM users", on: connection)
                )
            }
            #expect(seen.tenants == [acme.id])
            #expect(seen.users == 4 && seen.bodyUsers == 4)
            #expect(seen.transaction == seen.bodyTransaction)
        }
    }

    @Test("withCrossTenantAccess sees every tenant's rows")
    func crossTenantAccessSeesAll() async throws {
        try await TestApp.run { app in
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let seen = try await app.database.withCrossTenantAccess(.operatorAdministration, logger: Self.logger) { connection in
                (
                    users: try await Self.count("SELECT count(*) FROM users", on: connection),
                    tenants: try await Self.uuids("SELECT DISTINCT tenant_id FROM users", on: connection),
                    tenantRows: try await Self.uuids("SELECT id FROM tenants", on: connection)
                )
            }
            #expect(seen.users == 8)
            #expect(seen.tenants == [acme.id, globex.id])
            #expect(seen.tenantRows == [acme.id, globex.id])
        }
    }

    @Test("writeCrossTenant commits its statements sent whole, or, when one fails, none of them")
    func crossTenantWriteInOneTrip() async throws {
        try await TestApp.run { app in
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let rename: (UUID, String) -> PostgresQuery = { id, name in "UPDATE tenants SET name = \(name) WHERE id = \(id) RETURNING id" }
            // Both tenants' rows, in one transaction: each statement answers its rows.
            let answers = try await app.database.writeCrossTenant(
                .operatorAdministration, [rename(acme.id, "Acme One"), rename(globex.id, "Globex One")], logger: Self.logger)
            var renamed: [UUID] = []
            for answer in answers { for try await id in answer.decode(UUID.self) { renamed.append(id) } }
            #expect(renamed == [acme.id, globex.id])
            // A failure after a write: its error, and the write before it rolled back.
            let failure = await #expect(throws: PSQLError.self) {
                try await app.database.writeCrossTenant(
                    .operatorAdministration, [rename(acme.id, "Acme Two"), "SELECT 1 / 0"], logger: Self.logger)
            }
            #expect(failure?.serverInfo?[.sqlState] == "22012")
            let names = try await app.database.withCrossTenantAccess(.operatorAdministration, logger: Self.logger) { connection in
                var names: [String] = []
                let rows = try await connection.query("SELECT name FROM tenants ORDER BY name", logger: Self.logger)
                for try await name in rows.decode(String.self) { names.append(name) }
                return names
            }
            #expect(names == ["Acme One", "Globex One"])
        }
    }
}

// MARK: - Helpers

extension TenantIsolationTests {
    /// The single integer a query answers (tests only: the SQL is built from constants and UUIDs).
    static func count(_ sql: String, on connection: PooledConnection) async throws -> Int64 {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        for try await value in rows.decode(Int64.self) { return value }
        throw TestSetupError("no row from \(sql)")
    }

    /// The UUIDs in a query's first column.
    static func uuids(_ sql: String, on connection: PooledConnection) async throws -> Set<UUID> {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        var ids: Set<UUID> = []
        for try await id in rows.decode(UUID.self) { ids.insert(id) }
        return ids
    }

    /// The PostgreSQL error `body` failed with (unwrapped from a transaction error), or nil if it succeeded.
    static func rejection(_ body: () async throws -> Void) async -> PSQLError? {
        do {
            try await body()
            Issue.record("the statement was expected to be rejected")
            return nil
        } catch let error as PSQLError {
            return error
        } catch let error as PostgresTransactionError {
            return error.closureError as? PSQLError
        } catch {
            Issue.record("unexpected error: \(String(reflecting: error))")
            return nil
        }
    }

    /// Every audit entry of the caller's tenant, newest first.
    static func auditEntries(_ app: TestApp, token: String) async throws -> [[String: Any]] {
        let response = try await app.request(.get, "/v1/audit?limit=200", token: token)
        #expect(response.status == .ok)
        return try response.jsonObject()["items"] as? [[String: Any]] ?? []
    }
}
