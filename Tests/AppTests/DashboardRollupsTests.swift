import Accounts
@testable import Contacts
import Foundation
import Logging
import Persistence
import PostgresNIO
import Testing

@testable import App

/// The dashboard reads counts that triggers keep (migrations/0013). These tests
/// drive every kind of change through the API and SQL and compare the dashboard
/// with the same figures counted straight from the tables, before and after the
/// pending rows are folded.
@Suite("Dashboard rollups")
struct DashboardRollupsTests {
    static let logger: Logger = {
        var logger = Logger(label: "dashboard-rollups-tests")
        logger.logLevel = .error
        return logger
    }()

    @Test("UTC day split: whole days from the rollups, partial ends from the tables")
    func periodSplit() throws {
        func date(_ text: String) throws -> Date { try Date(text, strategy: .iso8601) }
        func day(_ date: Date?) -> String? { date?.formatted(Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day()) }
        let aligned = DashboardPeriod(from: try date("2026-11-01T00:00:00Z"), to: try date("2026-11-03T00:00:00Z"))
        #expect(day(aligned.days?.first) == "2026-11-01" && day(aligned.days?.end) == "2026-11-03")
        #expect(aligned.edges.isEmpty)
        let ragged = DashboardPeriod(from: try date("2026-10-31T18:30:00Z"), to: try date("2026-11-03T06:00:00Z"))
        #expect(day(ragged.days?.first) == "2026-11-01" && day(ragged.days?.end) == "2026-11-03")
        #expect(
            ragged.edges
                == [
                    try date("2026-10-31T18:30:00Z")..<(try date("2026-11-01T00:00:00Z")),
                    try date("2026-11-03T00:00:00Z")..<(try date("2026-11-03T06:00:00Z")),
                ])
        let inside = DashboardPeriod(from: try date("2026-11-02T01:00:00Z"), to: try date("2026-11-02T23:00:00Z"))
        #expect(inside.days == nil)
        #expect(inside.edges == [try date("2026-11-02T01:00:00Z")..<(try date("2026-11-02T23:00:00Z"))])
        let acrossMidnight = DashboardPeriod(from: try date("2026-11-01T23:00:00Z"), to: try date("2026-11-02T01:00:00Z"))
        #expect(acrossMidnight.days == nil)
        #expect(acrossMidnight.edges == [try date("2026-11-01T23:00:00Z")..<(try date("2026-11-02T01:00:00Z"))])
    }

    @Test("after creates, edits, bulk actions, deletes, restores, imports and calls, the dashboard equals a direct count, folded or not")
    func dashboardEqualsDirectCounts() async throws {
        try await TestApp.run { app in
            // setup: two tenants; contacts spread over owners, stages, sources and days
            let api = ContactsAPI(app: app)
            let acme = try await app.seedTenant("rollup-acme")
            let globex = try await app.seedTenant("rollup-globex")
            let owner = try await app.token(acme, .owner)
            let agent = try await app.token(acme, .agent)
            let agentID = try #require(acme.userIDs[.agent])
            let adminID = try #require(acme.userIDs[.admin])
            let ownerID = try #require(acme.userIDs[.owner])
            let stages = ["new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"]
            let temperatures: [String?] = ["hot", "warm", nil, "cold", "dead"]
            let sources: [String?] = ["website", nil, "referral", "fair"]
            var ids: [String] = []
            for n in 0..<24 {
                var fields: [String: Any] = ["name": "Lead \(n)", "stage": stages[n % stages.count]]
                if let temperature = temperatures[n % temperatures.count] { fields["temperature"] = temperature }
                if let source = sources[n % sources.count] { fields["source"] = source }
                if n % 3 != 2 { fields["ownerId"] = (n % 3 == 0 ? agentID : adminID).uuidString }
                ids.append(try await api.createID(owner, fields))
            }
            _ = try await api.createID(try await app.token(globex, .owner), ["name": "Elsewhere", "stage": "won", "source": "website"])
            // Creation days across the period's edges and outside it.
            for (offset, id) in ids.enumerated() {
                let age = Double(offset) * 2.7 * 86_400 + 3_600
                _ = try await app.database.withTenant(acme.id, logger: Self.logger) { connection in
                    try await connection.query(
                        "UPDATE contacts SET created_at = \(Date().addingTimeInterval(-age)) WHERE id = \(UUID(uuidString: id)!)",
                        logger: Self.logger)
                }
            }

            // act: edits, bulk actions, deletes and a restore
            #expect(try await api.patch(owner, ids[0], ["stage": "won", "temperature": "cold"]).status == .ok)
            #expect(try await api.patch(owner, ids[1], ["ownerId": ownerID.uuidString, "source": "fair"]).status == .ok)
            #expect(try await api.patch(owner, ids[2], ["name": "Renamed only"]).status == .ok)
            #expect(try await api.bulk(owner, ids: Array(ids[3..<9]), action: "setStage", value: "proposal").status == .ok)
            #expect(try await api.bulk(owner, ids: Array(ids[6..<12]), action: "assign", value: agentID.uuidString).status == .ok)
            #expect(try await api.bulk(owner, ids: Array(ids[9..<12]), action: "addTag", value: "vip").status == .ok)
            #expect(try await api.bulk(owner, ids: Array(ids[12..<15]), action: "delete").status == .ok)
            #expect(try await app.request(.delete, "/v1/contacts/\(ids[15])", token: owner).status == .noContent)
            #expect(try await app.request(.post, "/v1/contacts/\(ids[13])/restore", token: owner).status == .ok)

            // act: an import that creates contacts and overwrites one it merges with
            #expect(try await api.patch(owner, ids[16], ["phone": "+919876500016"]).status == .ok)
            let csv = ContactImportTests.csv([
                ["Name", "Phone", "Stage", "Source"],
                ["Imported One", "+919876500101", "qualified", "import"],
                ["Imported Two", "+919876500102", "", ""],
                ["Merged Sixteen", "+919876500016", "negotiation", "import"],
            ])
            let job = try await ContactImportTests.importFile(
                app, token: owner, body: csv, contentType: "text/csv", name: "rollup.csv", overwrite: true)
            #expect(job["status"] as? String == "completed" && job["created"] as? Int == 2 && job["merged"] as? Int == 1, "\(job)")

            // act: calls made straight in SQL (the triggers are the database's): the
            // agent as caller, as callee, and only rung; answered, missed, ringing
            try await app.database.withTenant(acme.id, logger: Self.logger) { connection in
                let customer = try #require(acme.userIDs[.customer])
                for n in 0..<12 {
                    let id = UUID()
                    let created = Date().addingTimeInterval(-Double(n) * 3.1 * 86_400 - 600)
                    let (caller, callee): (UUID, UUID?) = n % 3 == 0 ? (agentID, customer) : (customer, n % 3 == 1 ? agentID : nil)
                    try await connection.query(
                        """
                        INSERT INTO calls (id, tenant_id, status, strategy, caller_id, caller_type, callee_id, callee_type, room, created_at)
                        VALUES (\(id), \(acme.id), 'ringing', 'ring-all', \(caller), \(caller == customer ? "customer" : "staff"),
                                \(callee), \(callee == nil ? nil : (callee == customer ? "customer" : "staff") as String?), \("rollup-\(id)"), \(created))
                        """, logger: Self.logger)
                    if callee == nil {
                        try await connection.query(
                            "INSERT INTO call_offers (call_id, tenant_id, user_id, state) VALUES (\(id), \(acme.id), \(agentID), 'ringing'), (\(id), \(acme.id), \(adminID), 'ringing')",
                            logger: Self.logger)
                    }
                    switch n % 4 {
                    case 0:
                        try await connection.query(
                            """
                            UPDATE calls SET status = 'ended', answered_at = created_at, ended_at = created_at + interval '1 minute',
                                   duration_seconds = \(30 + n), end_reason = 'completed', callee_id = coalesce(callee_id, \(adminID)),
                                   callee_type = coalesce(callee_type, 'staff')
                            WHERE id = \(id)
                            """, logger: Self.logger)
                    case 1:
                        try await connection.query(
                            "UPDATE calls SET status = 'missed', end_reason = 'missed', ended_at = created_at WHERE id = \(id)",
                            logger: Self.logger)
                    case 2:
                        try await connection.query(
                            "UPDATE calls SET status = 'accepted', answered_at = created_at WHERE id = \(id)", logger: Self.logger)
                    default: break
                    }
                }
            }

            // check: every scope and several periods, before folding and after it
            // Whole seconds: the query string carries no fractions.
            let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.up) + 1)
            func ago(_ days: Double) -> Date { Date(timeIntervalSince1970: (now.timeIntervalSince1970 - days * 86_400).rounded(.down)) }
            let periods: [(Date, Date)] = [(ago(30), now), (ago(10.5), ago(2.25)), (ago(90), ago(-1)), (ago(0.2), now)]
            for folded in [false, true] {
                if folded { #expect(try await DashboardRollupFolder(database: app.database, logger: Self.logger).fold()) }
                for (from, to) in periods {
                    for (token, own) in [(owner, nil as UUID?), (agent, agentID)] {
                        let query = ContactsAPI.query([("from", from.formatted(.iso8601)), ("to", to.formatted(.iso8601))])
                        let response = try await app.request(.get, "/v1/dashboard" + query, token: token)
                        try #require(response.status == .ok, "\(response.text)")
                        let figures = try response.jsonObject()
                        let expected = try await Self.directCounts(app, acme.id, own: own, from: from, to: to)
                        let label = "folded \(folded), own \(own != nil), \(from)…\(to)"
                        #expect(figures["contacts"] as? Int == expected.contacts, "\(label)")
                        #expect(figures["byStage"] as? [String: Int] == expected.byStage, "\(label)")
                        #expect(figures["byTemperature"] as? [String: Int] == expected.byTemperature, "\(label)")
                        var bySource: [String: Int] = [:]
                        for item in figures["bySource"] as? [[String: Any]] ?? [] {
                            bySource[item["key"] as? String ?? "(none)"] = item["count"] as? Int
                        }
                        #expect(bySource == expected.bySource, "\(label)")
                        #expect(figures["newLeads"] as? Int == expected.newLeads, "\(label)")
                        let calls = figures["calls"] as? [String: Any] ?? [:]
                        #expect(calls["total"] as? Int == expected.calls.0, "\(label): \(calls)")
                        #expect(calls["answered"] as? Int == expected.calls.1, "\(label): \(calls)")
                        #expect(calls["missed"] as? Int == expected.calls.2, "\(label): \(calls)")
                        #expect(calls["averageDurationSeconds"] as? Int == expected.calls.3, "\(label): \(calls)")
                    }
                }
            }
            // Messages in the period: the tenant's, and for an agent those of the
            // conversations assigned to them (one of each direction outside the period).
            try await app.database.withTenant(acme.id, logger: Self.logger) { connection in
                let customer = try #require(acme.userIDs[.customer])
                for (assignee, contact, inbound, outbound) in [(agentID as UUID?, ids[20], 3, 2), (nil, ids[21], 1, 1)] {
                    let conversation = UUID()
                    try await connection.query(
                        """
                        INSERT INTO conversations (id, tenant_id, channel, contact_id, assignee_id)
                        VALUES (\(conversation), \(acme.id), 'whatsapp', \(UUID(uuidString: contact)!), \(assignee))
                        """, logger: Self.logger)
                    for (direction, count, age) in [("inbound", inbound, 600.0), ("outbound", outbound, 600.0), ("inbound", 1, 40 * 86_400.0), ("outbound", 1, 40 * 86_400.0)] {
                        for _ in 0..<count {
                            try await connection.query(
                                """
                                INSERT INTO messages (id, tenant_id, conversation_id, direction, author_id, type, body, status, created_at)
                                VALUES (\(UUID()), \(acme.id), \(conversation), \(direction), \(customer), 'text', 'hello', 'sent',
                                        \(Date().addingTimeInterval(-age)))
                                """, logger: Self.logger)
                        }
                    }
                }
            }
            for (token, inbound, outbound) in [(owner, 4, 3), (agent, 3, 2)] {
                let messages = try await app.request(.get, "/v1/dashboard", token: token).jsonObject()["messages"] as? [String: Any]
                #expect(messages?["inbound"] as? Int == inbound && messages?["outbound"] as? Int == outbound, "\(messages ?? [:])")
            }

            // The other tenant's contact is in its own dashboard only.
            let elsewhere = try await app.request(.get, "/v1/dashboard", token: try await app.token(globex, .owner))
            #expect(try elsewhere.jsonObject()["contacts"] as? Int == 1)
        }
    }

    struct Expected {
        var contacts = 0
        var byStage: [String: Int] = [:]
        var byTemperature: [String: Int] = [:]
        var bySource: [String: Int] = [:]
        var newLeads = 0
        var calls: (Int, Int, Int, Int?) = (0, 0, 0, nil)
    }

    /// The figures counted over the tables, as the dashboard did before rollups.
    static func directCounts(_ app: TestApp, _ tenantID: UUID, own: UUID?, from: Date, to: Date) async throws -> Expected {
        try await app.database.withTenant(tenantID, logger: logger) { connection in
            var expected = Expected()
            for stage in ["new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"] { expected.byStage[stage] = 0 }
            for temperature in ["hot", "warm", "cold", "dead"] { expected.byTemperature[temperature] = 0 }
            let contacts = try await connection.query(
                """
                SELECT stage, temperature, source, created_at >= \(from) AND created_at < \(to) FROM contacts
                WHERE tenant_id = \(tenantID) AND deleted_at IS NULL AND (\(own)::uuid IS NULL OR owner_id = \(own))
                """, logger: logger)
            for try await (stage, temperature, source, new) in contacts.decode((String, String?, String?, Bool).self) {
                expected.contacts += 1
                expected.byStage[stage, default: 0] += 1
                expected.byTemperature[temperature ?? "unset", default: 0] += 1
                expected.bySource[source ?? "(none)", default: 0] += 1
                if new { expected.newLeads += 1 }
            }
            let calls = try await connection.query(
                """
                SELECT count(*), count(answered_at), count(*) FILTER (WHERE status = 'missed'),
                       (avg(duration_seconds) FILTER (WHERE answered_at IS NOT NULL))::integer
                FROM calls c
                WHERE tenant_id = \(tenantID) AND created_at >= \(from) AND created_at < \(to)
                  AND (\(own)::uuid IS NULL OR caller_id = \(own) OR callee_id = \(own)
                       OR id IN (SELECT o.call_id FROM call_offers o WHERE o.tenant_id = \(tenantID) AND o.user_id = \(own)))
                """, logger: logger)
            for try await row in calls.decode((Int, Int, Int, Int?).self) { expected.calls = row }
            return expected
        }
    }
}
