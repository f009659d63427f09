import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Persistence
import PostgresNIO
import Testing

@testable import App

/// Reading contacts in bulk through the real API: list filters, search and
/// pagination, the CSV export, the dashboard, and who sees what (tenants apart;
/// agents limited to their own when the tenant says so).
@Suite("Contacts: lists, search, pagination, export, dashboard and visibility")
struct ContactsListTests {
    static let logger: Logger = {
        var logger = Logger(label: "contacts-list-tests")
        logger.logLevel = .error
        return logger
    }()

    // MARK: - Filters and search

    @Test("each list filter and search returns exactly the matching contacts")
    func filtersReturnExactlyTheMatches() async throws {
        try await TestApp.run { app in
            // setup
            let fixture = try await Fixture.make(app)
            let api = fixture.api
            let owner = fixture.owner
            let leads = fixture.leads
            let cases: [(query: [(String, String)], matches: (Fixture.Lead) -> Bool)] = [
                ([], { _ in true }),
                ([("stage", "qualified")], { $0.stage == "qualified" }),
                ([("stage", "won")], { $0.stage == "won" }),
                ([("temperature", "hot")], { $0.temperature == "hot" }),
                ([("temperature", "dead")], { $0.temperature == "dead" }),
                ([("tag", "vip")], { $0.tags.contains("vip") }),
                ([("tag", "delhi")], { $0.tags.contains("delhi") }),
                ([("tag", "nobody")], { _ in false }),
                ([("owner", fixture.agentID.uuidString)], { $0.owner == fixture.agentID }),
                ([("owner", fixture.adminID.uuidString.lowercased())], { $0.owner == fixture.adminID }),
                ([("owner", "none")], { $0.owner == nil }),
                ([("owner", "me")], { _ in false }),  // the tenant's owner owns none
                ([("source", "referral")], { $0.source == "referral" }),
                ([("source", "walk-in")], { $0.source == "walk-in" }),
                ([("createdFrom", "2025-01-05T12:00:00Z"), ("createdTo", "2025-01-08T12:00:00Z")], { (5...7).contains($0.day) }),
                ([("createdFrom", "2025-01-10T12:00:00Z")], { $0.day >= 10 }),
                ([("createdTo", "2025-01-02T12:00:00Z")], { $0.day <= 1 }),
                ([("stage", "new"), ("tag", "vip")], { $0.stage == "new" && $0.tags.contains("vip") }),
                (
                    [("temperature", "hot"), ("owner", "none"), ("source", "website")],
                    {
                        $0.temperature == "hot" && $0.owner == nil && $0.source == "website"
                    }
                ),
                // search: a name fragment in any case, an email fragment, phone digits written any way
                ([("q", "eer")], { $0.name.lowercased().contains("eer") }),
                ([("q", "ABIR")], { $0.name.lowercased().contains("abir") }),
                ([("q", "priya")], { $0.name.lowercased().contains("priya") }),
                ([("q", "SHOP.example")], { $0.email?.contains("shop.example") == true }),
                ([("q", "other.org")], { $0.email?.contains("other.org") == true }),
                ([("q", "98765 40012")], { $0.phone == "+919876540012" }),
                ([("q", "+91 98765-4001")], { $0.phone?.hasPrefix("+91987654001") == true }),
                ([("q", "9876540")], { $0.phone != nil }),
                ([("q", "zzz")], { _ in false }),
                ([("q", "eer"), ("stage", "new")], { $0.name.lowercased().contains("eer") && $0.stage == "new" }),
            ]

            for (query, matches) in cases {
                // act
                let listed = try await api.listIDs(owner, query)
                // check
                let expected = leads.filter(matches).map(\.id)
                #expect(listed.count == Set(listed).count, "\(query): no duplicates")
                #expect(Set(listed) == Set(expected), "\(query): listed \(listed.count), expected \(expected.count)")
            }
            // The agent's "me" is the agent.
            let mine = try await api.listIDs(fixture.agent, [("owner", "me")])
            #expect(Set(mine) == Set(leads.filter { $0.owner == fixture.agentID }.map(\.id)))
            #expect(!mine.isEmpty)
        }
    }

    @Test("bad filter, sort, limit and cursor values answer 422 naming the parameter")
    func badQueriesAreRejected() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            for name in ["Ann", "Bob", "Cat"] { _ = try await api.create(owner, ["name": name]) }
            let nameCursor = try #require(try await api.page(owner, [("sort", "name"), ("limit", "1")]).next)
            let cases: [(query: [(String, String)], pointer: String)] = [
                ([("stage", "bogus")], "/query/stage"),
                ([("temperature", "tepid")], "/query/temperature"),
                ([("tag", "a,b")], "/query/tag"),
                ([("owner", "bob")], "/query/owner"),
                ([("createdFrom", "yesterday")], "/query/createdFrom"),
                ([("createdTo", "2025-13-01T00:00:00Z")], "/query/createdTo"),
                ([("q", String(repeating: "q", count: 101))], "/query/q"),
                ([("sort", "size")], "/query/sort"),
                ([("limit", "0")], "/query/limit"),
                ([("limit", "201")], "/query/limit"),
                ([("limit", "ten")], "/query/limit"),
                ([("cursor", "!!!not-a-cursor!!!")], "/query/cursor"),
                ([("cursor", PageRequest.encodeCursor("d|nonsense|x"))], "/query/cursor"),
                ([("cursor", nameCursor)], "/query/cursor"),  // issued for sort=name
                ([("cursor", nameCursor), ("sort", "-score")], "/query/cursor"),
            ]

            for (query, pointer) in cases {
                // act
                let response = try await app.request(.get, "/v1/contacts" + ContactsAPI.query(query), token: owner)
                // check
                try ContactsAPI.expectInvalid(response, pointer, "\(query)")
                let export = try await app.request(.get, "/v1/contacts/export" + ContactsAPI.query(query), token: owner)
                if !query.contains(where: { ["limit", "cursor", "sort"].contains($0.0) }) {
                    try ContactsAPI.expectInvalid(export, pointer, "export \(query)")
                }
            }
            // The cursor does work with the sort it was issued for.
            #expect(
                try await api.page(owner, [("sort", "name"), ("limit", "1"), ("cursor", nameCursor)]).items.first?["name"] as? String
                    == "Bob")
        }
    }

    @Test("search matches % and _ literally, not as wildcards")
    func searchEscapesWildcards() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let percent = try await api.createID(owner, ["name": "100% Pure"])
            let underscore = try await api.createID(owner, ["name": "Under_score"])
            _ = try await api.createID(owner, ["name": "Under score"])
            _ = try await api.createID(owner, ["name": "1000 Pure"])

            // act + check
            #expect(try await api.listIDs(owner, [("q", "%")]) == [percent])
            #expect(try await api.listIDs(owner, [("q", "0% p")]) == [percent])
            #expect(try await api.listIDs(owner, [("q", "_")]) == [underscore])
            #expect(try await api.listIDs(owner, [("q", "r_s")]) == [underscore])
        }
    }

    @Test("the tag filter and the tag counts follow every way a contact's tags change, and stay in their tenant")
    func tagFilterFollowsTagChanges() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let other = try await app.seedTenant("globex")
            let owner = try await app.token(tenant, .owner)
            let outsider = try await app.token(other, .owner)
            let a = try await api.createID(owner, ["name": "A", "tags": ["vip", "delhi"]])
            let b = try await api.createID(owner, ["name": "B", "tags": ["delhi"]])
            let elsewhere = try await api.createID(outsider, ["name": "Elsewhere", "tags": ["vip", "delhi"]])
            func tagged(_ tag: String, _ token: String? = nil) async throws -> Set<String> {
                Set(try await api.listIDs(token ?? owner, [("tag", tag)]))
            }
            func counts() async throws -> [String: Int] {
                let items = try await app.request(.get, "/v1/tags", token: owner).jsonObject()["items"] as? [[String: Any]] ?? []
                return Dictionary(uniqueKeysWithValues: items.compactMap { item in
                    (item["name"] as? String).map { ($0, item["contactCount"] as? Int ?? -1) }
                })
            }
            #expect(try await tagged("vip") == [a])
            #expect(try await tagged("delhi") == [a, b])
            #expect(try await tagged("vip", outsider) == [elsewhere])

            // act + check: a PATCH replacing the tags
            #expect(try await api.patch(owner, a, ["tags": ["mumbai"]]).status == .ok)
            #expect(try await tagged("vip").isEmpty)
            #expect(try await tagged("delhi") == [b])
            #expect(try await tagged("mumbai") == [a])

            // act + check: bulk add and remove
            #expect(try await api.bulk(owner, ids: [a, b], action: "addTag", value: "hot-lead").status == .ok)
            #expect(try await tagged("hot-lead") == [a, b])
            #expect(try await api.bulk(owner, ids: [b], action: "removeTag", value: "hot-lead").status == .ok)
            #expect(try await tagged("hot-lead") == [a])
            #expect(try await counts()["hot-lead"] == 1)

            // act + check: deleting a tag from the catalogue removes it everywhere in this tenant only
            #expect(try await app.request(.delete, "/v1/tags/delhi", token: owner).status == .noContent)
            #expect(try await tagged("delhi").isEmpty)
            #expect(try await tagged("delhi", outsider) == [elsewhere])

            // act + check: a deleted contact is neither listed nor counted
            #expect(try await app.request(.delete, "/v1/contacts/\(a)", token: owner).status == .noContent)
            #expect(try await tagged("mumbai").isEmpty)
            #expect(try await counts()["mumbai"] == 0)
            #expect(try await tagged("vip", outsider) == [elsewhere])

            // act + check: the deleted list filters by tag too, and a restore lists it again
            #expect(Set(try await api.listIDs(owner, [("tag", "mumbai"), ("deleted", "true")])) == [a])
            #expect(try await api.listIDs(owner, [("tag", "delhi"), ("deleted", "true")]).isEmpty)
            #expect(try await app.request(.post, "/v1/contacts/\(a)/restore", token: owner).status == .ok)
            #expect(try await tagged("mumbai") == [a])
            #expect(try await tagged("hot-lead") == [a])
        }
    }

    @Test("a stage and a tag together follow stage changes (PATCH, bulk, delete and restore), newest first, in their tenant")
    func stageAndTagFollowStageChanges() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let other = try await app.seedTenant("globex")
            let owner = try await app.token(tenant, .owner)
            let outsider = try await app.token(other, .owner)
            let a = try await api.createID(owner, ["name": "A", "tags": ["vip"], "stage": "new"])
            let b = try await api.createID(owner, ["name": "B", "tags": ["vip", "delhi"], "stage": "new"])
            let c = try await api.createID(owner, ["name": "C", "tags": ["delhi"], "stage": "won"])
            let elsewhere = try await api.createID(outsider, ["name": "Elsewhere", "tags": ["vip"], "stage": "won"])
            func listed(_ stage: String, _ tag: String, _ token: String? = nil, sort: String = "-createdAt") async throws -> [String] {
                try await api.listIDs(token ?? owner, [("stage", stage), ("tag", tag), ("sort", sort)])
            }
            #expect(try await listed("new", "vip") == [b, a])
            #expect(try await listed("won", "vip").isEmpty)
            #expect(try await listed("won", "vip", outsider) == [elsewhere])

            // act + check: a PATCH of the stage alone
            #expect(try await api.patch(owner, a, ["stage": "won"]).status == .ok)
            #expect(try await listed("new", "vip") == [b])
            #expect(try await listed("won", "vip") == [a])
            #expect(try await listed("won", "vip", sort: "createdAt") == [a])

            // act + check: a bulk stage change
            #expect(try await api.bulk(owner, ids: [b, c], action: "setStage", value: "won").status == .ok)
            #expect(try await listed("new", "vip").isEmpty)
            #expect(try await listed("won", "vip") == [b, a])
            #expect(try await listed("won", "delhi") == [c, b])

            // act + check: deleted and restored, it comes back under its stage
            #expect(try await app.request(.delete, "/v1/contacts/\(b)", token: owner).status == .noContent)
            #expect(try await listed("won", "vip") == [a])
            #expect(try await app.request(.post, "/v1/contacts/\(b)/restore", token: owner).status == .ok)
            #expect(try await listed("won", "vip") == [b, a])
            #expect(try await listed("won", "vip", outsider) == [elsewhere])
        }
    }

    // MARK: - Pagination

    @Test(
        "pages of 7 in every sort order list each contact once, in order",
        arguments: [
            "", "-createdAt", "createdAt", "name", "-name", "-score", "score",
        ])
    func pagesWalkInOrder(sort: String) async throws {
        try await TestApp.run { app in
            // setup
            let fixture = try await Fixture.make(app)
            let query = sort.isEmpty ? [] : [("sort", sort)]
            let expected = fixture.leads.sorted(by: Fixture.order(sort)).map(\.id)

            // act
            let (items, sizes) = try await fixture.api.walk(fixture.owner, query, limit: 7)

            // check
            let ids = ContactsAPI.ids(items)
            #expect(sizes == [7, 7, 7, 4], "\(sort): page sizes \(sizes)")
            #expect(ids.count == Set(ids).count, "\(sort): a contact was listed twice")
            #expect(ids == expected, "\(sort): order differs")
            // A filtered walk keeps the order too.
            let vip = try await fixture.api.walk(fixture.owner, query + [("tag", "vip")], limit: 3).items
            #expect(ContactsAPI.ids(vip) == fixture.leads.filter { $0.tags.contains("vip") }.sorted(by: Fixture.order(sort)).map(\.id))
        }
    }

    @Test("sort=-updatedAt pages through every contact once, most recently changed first")
    func pagesByUpdate() async throws {
        try await TestApp.run { app in
            // setup
            let fixture = try await Fixture.make(app)
            let touched = fixture.leads[3].id
            #expect(try await fixture.api.patch(fixture.owner, touched, ["score": 99]).status == .ok)

            // act
            let items = try await fixture.api.walk(fixture.owner, [("sort", "-updatedAt")], limit: 7).items

            // check
            let ids = ContactsAPI.ids(items)
            #expect(ids.count == 25 && Set(ids) == Set(fixture.leads.map(\.id)))
            #expect(ids.first == touched, "the contact just changed comes first")
            let stamps = items.compactMap { $0["updatedAt"] as? String }
            #expect(stamps == stamps.sorted(by: >))
        }
    }

    @Test("sort=name pages through contacts whose names are long or not Latin (the cursor carries the name)")
    func namePagesWithLongNames() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let names = [
                String(repeating: "A", count: 200), String(repeating: "B", count: 120),
                "अनन्या कृष्णमूर्ति रामचंद्रन वेंकटरमण सुब्रमण्यम", "Zed",
            ]
            for name in names { _ = try await api.create(owner, ["name": name]) }

            for (sort, limit) in [("name", 1), ("-name", 1), ("name", 2)] {
                // act
                let response = try await app.request(
                    .get, "/v1/contacts" + ContactsAPI.query([("sort", sort), ("limit", "\(limit)")]), token: owner)
                var listed = (try response.jsonObject()["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                var cursor = try response.jsonObject()["nextCursor"] as? String
                var failure: String?
                while let next = cursor, listed.count < 10 {
                    let page = try await app.request(
                        .get, "/v1/contacts" + ContactsAPI.query([("sort", sort), ("limit", "\(limit)"), ("cursor", next)]), token: owner)
                    guard page.status == .ok else {
                        failure =
                            "after \(listed.last?.prefix(12) ?? "")… (\(listed.last?.utf8.count ?? 0) bytes): \(page.status.code) \(page.text)"
                        break
                    }
                    listed += (try page.jsonObject()["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                    cursor = try page.jsonObject()["nextCursor"] as? String
                }

                // check
                #expect(failure == nil, "sort=\(sort) limit=\(limit): the next page was refused \(failure ?? "")")
                #expect(listed == (sort == "name" ? names.sorted() : names.sorted(by: >)), "sort=\(sort) limit=\(limit)")
            }
        }
    }

    // MARK: - Export

    @Test("export: CSV with the header, CRLF, oldest first, quoting, defused formulas, the list's filters, and only the caller's tenant")
    func exportCSV() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let owner = try await app.token(acme, .owner)
            let agent = try await app.token(acme, .agent)
            let globexOwner = try await app.token(globex, .owner)
            let agentID = try #require(acme.userIDs[.agent])
            let smith = try await api.create(
                owner,
                [
                    "name": #"Smith, "Bob""#, "phone": "98765 43210", "email": "Bob@Example.com", "source": "fair", "stage": "won",
                    "temperature": "hot", "score": 80, "tags": ["vip", "delhi"], "ownerId": agentID.uuidString,
                    "customFields": ["city": "Pune, MH"],
                ])
            let formulas = [#"=HYPERLINK("http://evil.example","click")"#, "-5 discount", "@SUM(A1)", "+cmd|' /C calc'!A0"]
            var ids = [try #require(smith["id"] as? String)]
            for name in formulas { ids.append(try await api.createID(owner, ["name": name])) }
            ids.append(try await api.createID(owner, ["name": "Plain Asha", "stage": "won", "tags": ["vip"]]))
            _ = try await api.create(globexOwner, ["name": "Globex Secret", "phone": "98765 43210"])
            let header = "id,name,phone,email,source,stage,temperature,score,tags,owner_id,created_at,updated_at,custom_fields"

            // act
            let response = try await app.request(.get, "/v1/contacts/export", token: owner)

            // check: the file
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.headers[.contentType]?.hasPrefix("text/csv") == true)
            let text = response.text
            #expect(text.hasPrefix(header + "\r\n"), "\(text.prefix(200))")
            let scalars = Array(text.unicodeScalars)
            #expect(scalars.indices.allSatisfy { scalars[$0] != "\n" || ($0 > 0 && scalars[$0 - 1] == "\r") }, "every line ends CRLF")
            #expect(text.hasSuffix("\r\n"))
            let records = ContactsAPI.csvRecords(text)
            #expect(records.first == header.split(separator: ",").map(String.init))
            let rows = Array(records.dropFirst())
            #expect(rows.allSatisfy { $0.count == 13 }, "\(rows)")
            #expect(rows.map { $0[0].uppercased() } == ids, "oldest first, all of acme's")
            #expect(!text.contains("Globex"), "another tenant's contact leaked into the export")

            // check: the fields of a full row
            let row = try #require(rows.first)
            #expect(row[1] == #"Smith, "Bob""#)
            #expect(text.contains(#","Smith, ""Bob""","#), "a name with a comma and quotes is quoted with doubled quotes")
            #expect(row[2] == "+919876543210" && text.contains(",+919876543210,"), "a phone number is not defused")
            #expect(row[3] == "bob@example.com")
            #expect(Array(row[4...8]) == ["fair", "won", "hot", "80", "vip;delhi"])
            #expect(UUID(uuidString: row[9]) == agentID)
            #expect((try? Date(row[10], strategy: .iso8601)) != nil && (try? Date(row[11], strategy: .iso8601)) != nil, "\(row)")
            let fields = try JSONSerialization.jsonObject(with: Data(row[12].utf8))
            #expect(ContactsAPI.canonical(fields) == ContactsAPI.canonical(["city": "Pune, MH"]))

            // check: formulas are defused with a leading apostrophe
            #expect(rows.dropFirst().prefix(4).map { $0[1] } == formulas.map { "'" + $0 }, "\(rows.map { $0[1] })")
            #expect(rows.last?[1] == "Plain Asha")
            #expect(rows.last.map { Array($0[2...4]) } == ["", "", ""], "absent values are empty")

            // check: the list's filters apply
            for (query, expected) in [
                ([("stage", "won")], [ids[0], ids[5]]), ([("tag", "vip"), ("stage", "won")], [ids[0], ids[5]]),
                ([("q", "smith")], [ids[0]]), ([("owner", "none")], Array(ids[1...])),
            ] as [([(String, String)], [String])] {
                let filtered = try await app.request(.get, "/v1/contacts/export" + ContactsAPI.query(query), token: agent)
                #expect(filtered.status == .ok)
                #expect(ContactsAPI.csvRecords(filtered.text).dropFirst().map { $0[0].uppercased() } == expected, "\(query)")
            }

            // check: the other tenant's export has only its own
            let theirs = try await app.request(.get, "/v1/contacts/export", token: globexOwner)
            let theirRows = ContactsAPI.csvRecords(theirs.text).dropFirst()
            #expect(theirRows.map { $0[1] } == ["Globex Secret"], "\(theirs.text)")
        }
    }

    @Test("the export and the list walk past a thousand contacts created in the same instant, each once")
    func exportPastOneThousand() async throws {
        try await TestApp.run { app in
            // setup: 2,050 contacts in one statement, so one creation time and only ids to order them
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            _ = try await app.database.withTenant(tenant.id, logger: Self.logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO contacts (id, tenant_id, name, phone)
                    SELECT gen_random_uuid(), \(tenant.id), 'Bulk ' || n, '+9170000' || lpad(n::text, 5, '0')
                    FROM generate_series(1, 2050) AS n
                    """, logger: Self.logger)
            }

            // act
            let export = try await app.request(.get, "/v1/contacts/export", token: owner)
            let walked = try await api.listIDs(owner)

            // check
            #expect(export.status == .ok)
            let ids = ContactsAPI.csvRecords(export.text).dropFirst().map { $0[0].uppercased() }
            #expect(ids.count == 2_050 && Set(ids).count == 2_050, "\(ids.count) rows, \(Set(ids).count) distinct")
            #expect(ids == ids.sorted(), "one instant: ordered by id")
            #expect(walked.count == 2_050 && Set(walked) == Set(ids), "the list walk: \(walked.count)")
        }
    }

    // MARK: - Dashboard

    @Test("dashboard: administrators get the tenant's pipeline, agents their own; deleted and other tenants' contacts are not counted")
    func dashboardFigures() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let owner = try await app.token(acme, .owner)
            let admin = try await app.token(acme, .admin)
            let agent = try await app.token(acme, .agent)
            let agentID = try #require(acme.userIDs[.agent]).uuidString
            let adminID = try #require(acme.userIDs[.admin]).uuidString
            let specs: [[String: Any]] = [
                ["name": "A1", "stage": "new", "temperature": "hot", "source": "website", "ownerId": agentID],
                ["name": "A2", "stage": "new", "temperature": "hot", "source": "website", "ownerId": agentID],
                ["name": "A3", "stage": "won", "source": "referral", "ownerId": agentID],
                ["name": "A4", "stage": "lost", "temperature": "cold", "source": "website", "ownerId": agentID],
                ["name": "B1", "stage": "qualified", "temperature": "cold", "ownerId": adminID],
                ["name": "B2", "stage": "lost", "temperature": "warm", "source": "website", "ownerId": adminID],
                ["name": "C1", "stage": "contacted", "temperature": "dead", "source": "fair"],
            ]
            var ids: [String: String] = [:]
            for spec in specs { ids[spec["name"] as! String] = try await api.createID(owner, spec) }
            #expect(try await app.request(.delete, "/v1/contacts/\(ids["A4"]!)", token: owner).status == .noContent)
            try await Self.backdate(app, acme, ids["A2"]!, to: Date().addingTimeInterval(-60 * 86_400))
            let globexOwner = try await app.token(globex, .owner)
            _ = try await api.create(
                globexOwner,
                [
                    "name": "G1", "stage": "new", "temperature": "hot", "source": "website",
                    "ownerId": try #require(globex.userIDs[.agent]).uuidString,
                ])
            func dashboard(_ token: String, _ query: [(String, String)] = []) async throws -> [String: Any] {
                let response = try await app.request(.get, "/v1/dashboard" + ContactsAPI.query(query), token: token)
                try #require(response.status == .ok, "\(query): \(response.text)")
                return try response.jsonObject()
            }
            func sources(_ figures: [String: Any]) -> [String: Int] {
                var counts: [String: Int] = [:]
                for item in figures["bySource"] as? [[String: Any]] ?? [] {
                    counts[item["key"] as? String ?? "(none)"] = item["count"] as? Int
                }
                return counts
            }
            let zeroStages = ["new": 0, "contacted": 0, "qualified": 0, "proposal": 0, "negotiation": 0, "won": 0, "lost": 0]

            // act + check: the tenant, for owners and admins
            for token in [owner, admin] {
                let figures = try await dashboard(token)
                #expect(figures["scope"] as? String == "tenant")
                #expect(figures["contacts"] as? Int == 6, "\(figures)")
                #expect(
                    figures["byStage"] as? [String: Int]
                        == zeroStages.merging(["new": 2, "contacted": 1, "qualified": 1, "won": 1, "lost": 1]) { $1 })
                let temperatures = figures["byTemperature"] as? [String: Int] ?? [:]
                #expect(["hot", "warm", "cold", "dead"].map { temperatures[$0] } == [2, 1, 1, 1], "\(temperatures)")
                #expect(sources(figures) == ["website": 3, "referral": 1, "fair": 1, "(none)": 1], "\(figures["bySource"] ?? "")")
                #expect((figures["bySource"] as? [[String: Any]])?.first?["key"] as? String == "website", "largest first")
                #expect(figures["newLeads"] as? Int == 5, "A2 is 60 days old: \(figures)")
                let calls = figures["calls"] as? [String: Any] ?? [:]
                #expect(calls["total"] as? Int == 0 && calls["answered"] as? Int == 0 && calls["missed"] as? Int == 0, "\(calls)")
                #expect(figures["from"] is String && figures["to"] is String)
            }

            // act + check: the agent's own
            let own = try await dashboard(agent)
            #expect(own["scope"] as? String == "own")
            #expect(own["contacts"] as? Int == 2 + 1, "\(own)")
            #expect(own["byStage"] as? [String: Int] == zeroStages.merging(["new": 2, "won": 1]) { $1 })
            let ownTemperatures = own["byTemperature"] as? [String: Int] ?? [:]
            #expect(["hot", "warm", "cold", "dead"].map { ownTemperatures[$0] } == [2, 0, 0, 0], "\(ownTemperatures)")
            #expect(sources(own) == ["website": 2, "referral": 1])
            #expect(own["newLeads"] as? Int == 2)

            // act + check: a wider period counts A2 as a new lead; an old one none
            let from = Date().addingTimeInterval(-90 * 86_400).formatted(.iso8601)
            let to = Date().addingTimeInterval(86_400).formatted(.iso8601)
            #expect(try await dashboard(owner, [("from", from), ("to", to)])["newLeads"] as? Int == 6)
            let wide = try await dashboard(agent, [("from", from), ("to", to)])
            #expect(wide["newLeads"] as? Int == 3)
            #expect(wide["from"] as? String == from && wide["to"] as? String == to, "the period is echoed: \(wide)")
            #expect(
                try await dashboard(owner, [("from", "2020-01-01T00:00:00Z"), ("to", "2020-02-01T00:00:00Z")])["newLeads"] as? Int == 0)

            // act + check: the other tenant sees only its own
            let theirs = try await dashboard(globexOwner)
            #expect(theirs["contacts"] as? Int == 1)
            #expect(sources(theirs) == ["website": 1])

            // act + check: bad periods
            for (query, pointer) in [
                ([("from", "2025-02-01T00:00:00Z"), ("to", "2025-01-01T00:00:00Z")], "/query/from"),
                ([("from", "2025-01-01T00:00:00Z"), ("to", "2025-01-01T00:00:00Z")], "/query/from"),
                ([("from", "last week")], "/query/from"),
                ([("from", "2023-01-01T00:00:00Z"), ("to", "2025-01-01T00:00:00Z")], "/query/to"),
            ] as [([(String, String)], String)] {
                try ContactsAPI.expectInvalid(
                    try await app.request(.get, "/v1/dashboard" + ContactsAPI.query(query), token: owner), pointer, "\(query)")
            }
        }
    }

    // MARK: - Visibility

    @Test(
        "another tenant's owner gets 404 for every route on a contact, never sees it listed, searched, exported or counted, and may reuse its number"
    )
    func tenantsAreIsolated() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let acmeOwner = try await app.token(acme, .owner)
            let globexOwner = try await app.token(globex, .owner)
            let id = try await api.createID(
                acmeOwner, ["name": "Acme Secret", "phone": "98765 43210", "email": "secret@acme.example", "tags": ["vip"]])
            let deleted = try await api.createID(acmeOwner, ["name": "Acme Deleted", "phone": "98200 11111"])
            #expect(try await app.request(.delete, "/v1/contacts/\(deleted)", token: acmeOwner).status == .noContent)
            _ = try await app.request(.post, "/v1/contacts/\(id)/notes", token: acmeOwner, json: #"{"body":"private"}"#)
            let before = ContactsAPI.canonical(try await api.get(acmeOwner, id))
            let timelineBefore = try await api.timeline(acmeOwner, id).count
            let attempts: [(method: HTTPRequest.Method, path: String, json: String?)] = [
                (.get, "/v1/contacts/\(id)", nil),
                (.get, "/v1/contacts/\(id)?deleted=true", nil),
                (.patch, "/v1/contacts/\(id)", #"{"name":"Hijacked","stage":"lost"}"#),
                (.delete, "/v1/contacts/\(id)", nil),
                (.get, "/v1/contacts/\(id)/notes", nil),
                (.post, "/v1/contacts/\(id)/notes", #"{"body":"hello from globex"}"#),
                (.get, "/v1/contacts/\(id)/timeline", nil),
                (.post, "/v1/contacts/\(id)/restore", nil),
                (.post, "/v1/contacts/\(deleted)/restore", nil),
                (.get, "/v1/contacts/\(deleted)?deleted=true", nil),
            ]

            // act + check: every route is 404
            for attempt in attempts {
                let response = try await app.request(attempt.method, attempt.path, token: globexOwner, json: attempt.json)
                #expect(ContactsAPI.kind(try response.expectProblem(.notFound)) == "not-found", "\(attempt.method) \(attempt.path)")
            }
            let bulk = try await api.bulk(globexOwner, ids: [id], action: "setStage", value: "lost")
            #expect(ContactsAPI.kind(try bulk.expectProblem(.unprocessableContent)) == "unknown-contacts")

            // act + check: never listed, searched, exported or counted
            #expect(try await api.listIDs(globexOwner).isEmpty)
            #expect(try await api.listIDs(globexOwner, [("deleted", "true")]).isEmpty)
            for search in ["Acme", "secret@acme", "98765 43210", "9876543210"] {
                #expect(try await api.listIDs(globexOwner, [("q", search)]).isEmpty, "q=\(search)")
            }
            #expect(try await api.listIDs(globexOwner, [("tag", "vip")]).isEmpty)
            let export = try await app.request(.get, "/v1/contacts/export", token: globexOwner)
            #expect(export.status == .ok)
            #expect(ContactsAPI.csvRecords(export.text).count == 1 && !export.text.contains("Acme"), "\(export.text)")
            let dashboard = try await app.request(.get, "/v1/dashboard", token: globexOwner).jsonObject()
            #expect(dashboard["contacts"] as? Int == 0 && dashboard["newLeads"] as? Int == 0, "\(dashboard)")

            // act + check: the same number in globex is fine (unique per tenant)
            let twin = try await api.create(globexOwner, ["name": "Globex Twin", "phone": "+91 98765 43210", "tags": ["vip"]])
            #expect(twin["phone"] as? String == "+919876543210")

            // act + check: globex deleting its "vip" tag leaves acme's
            #expect(try await app.request(.delete, "/v1/tags/vip", token: globexOwner).status == .noContent)
            #expect(try await api.get(globexOwner, try #require(twin["id"] as? String))["tags"] as? [String] == [])
            let acmeTags = try await app.request(.get, "/v1/tags", token: acmeOwner).jsonObject()["items"] as? [[String: Any]] ?? []
            #expect(acmeTags.first { $0["name"] as? String == "vip" }?["contactCount"] as? Int == 1, "\(acmeTags)")
            #expect(try await api.listIDs(acmeOwner, [("tag", "vip")]) == [id])

            // check: acme's contact is untouched
            #expect(ContactsAPI.canonical(try await api.get(acmeOwner, id)) == before)
            #expect(try await api.timeline(acmeOwner, id).count == timelineBefore)
            #expect(ContactsAPI.ids(try await api.walk(acmeOwner, [("deleted", "true")]).items) == [deleted])
            let notes = try await app.request(.get, "/v1/contacts/\(id)/notes", token: acmeOwner).jsonObject()["items"] as? [[String: Any]]
            #expect(notes?.compactMap { $0["body"] as? String } == ["private"])
        }
    }

    @Test("with agentsSeeOnlyOwn on, an agent sees and changes only their own contacts while administrators see all; off again, all")
    func agentsSeeOnlyOwn() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let admin = try await app.token(tenant, .admin)
            let agent = try await app.token(tenant, .agent)
            let agentID = try #require(tenant.userIDs[.agent]).uuidString
            let adminID = try #require(tenant.userIDs[.admin]).uuidString
            let mine = try await api.createID(owner, ["name": "Mine Lead", "ownerId": agentID, "tags": ["shared"]])
            let admins = try await api.createID(owner, ["name": "Admins Lead", "ownerId": adminID, "tags": ["shared"]])
            let nobodys = try await api.createID(owner, ["name": "Nobodys Lead", "tags": ["shared"]])
            let everyone = Set([mine, admins, nobodys])
            try await api.updateSettings(owner, #"{"contacts":{"agentsSeeOnlyOwn":true}}"#)
            let adminsBefore = ContactsAPI.canonical(try await api.get(owner, admins))

            // act + check: the agent's lists hold only their own
            #expect(try await api.listIDs(agent) == [mine])
            #expect(try await api.listIDs(agent, [("tag", "shared")]) == [mine])
            #expect(try await api.listIDs(agent, [("q", "Lead")]) == [mine])
            #expect(try await api.listIDs(agent, [("owner", "none")]).isEmpty)
            #expect(try await api.listIDs(agent, [("owner", adminID)]).isEmpty)
            let export = try await app.request(.get, "/v1/contacts/export", token: agent)
            #expect(ContactsAPI.csvRecords(export.text).dropFirst().map { $0[0].uppercased() } == [mine], "\(export.text)")

            // act + check: others' contacts are 404 to the agent, and bulk refuses them
            for other in [admins, nobodys] {
                try await app.request(.get, "/v1/contacts/\(other)", token: agent).expectProblem(.notFound)
                try await api.patch(agent, other, ["stage": "lost"]).expectProblem(.notFound)
                try await app.request(.get, "/v1/contacts/\(other)/timeline", token: agent).expectProblem(.notFound)
                try await app.request(.get, "/v1/contacts/\(other)/notes", token: agent).expectProblem(.notFound)
                try await app.request(.post, "/v1/contacts/\(other)/notes", token: agent, json: #"{"body":"x"}"#).expectProblem(.notFound)
                try await app.request(.delete, "/v1/contacts/\(other)", token: agent).expectProblem(.notFound)
            }
            let bulk = try await api.bulk(agent, ids: [mine, admins], action: "setStage", value: "won")
            #expect(ContactsAPI.kind(try bulk.expectProblem(.unprocessableContent)) == "unknown-contacts")
            #expect(try await api.get(owner, mine)["stage"] as? String == "new", "the refused bulk changed nothing")
            #expect(ContactsAPI.canonical(try await api.get(owner, admins)) == adminsBefore)

            // ... while their own is theirs to change
            #expect(try await api.patch(agent, mine, ["stage": "contacted"]).status == .ok)
            #expect(try await api.bulk(agent, ids: [mine], action: "addTag", value: "mine").status == .ok)
            #expect(try await api.get(agent, mine)["tags"] as? [String] == ["shared", "mine"])

            // check: administrators see everything
            for token in [owner, admin] {
                #expect(Set(try await api.listIDs(token)) == everyone)
                #expect(try await api.get(token, admins)["name"] as? String == "Admins Lead")
            }

            // act + check: off again, the agent sees all
            try await api.updateSettings(owner, #"{"contacts":{"agentsSeeOnlyOwn":false}}"#)
            #expect(Set(try await api.listIDs(agent)) == everyone)
            #expect(try await api.get(agent, admins)["name"] as? String == "Admins Lead")
            #expect(try await api.patch(agent, nobodys, ["stage": "lost"]).status == .ok)
        }
    }
}

// MARK: - Fixture

extension ContactsListTests {
    /// 25 contacts with every filterable field varied, created two to a day from
    /// 2025-01-01 (so pairs share a creation time and only the id orders them).
    struct Fixture {
        struct Lead {
            let index: Int
            let id: String
            let name: String
            let stage: String
            let temperature: String?
            let tags: [String]
            let source: String?
            let owner: UUID?
            let score: Int
            let email: String?
            /// E.164.
            let phone: String?
            /// Days after 2025-01-01 it was created.
            let day: Int
        }

        let api: ContactsAPI
        let owner: String
        let agent: String
        let agentID: UUID
        let adminID: UUID
        let leads: [Lead]

        static let names = [
            "Meera", "Arjun", "Zoya", "Kabir", "Ishaan", "Meera", "Dev", "Naina", "Rohan", "Tara", "Kabir", "Aditi", "Vikram",
            "Sana", "Omar", "Priya", "Supriya", "Farhan", "Gita", "Hari", "Leela", "Nikhil", "Esha", "Yash", "Bela",
        ]
        static let stages = ["new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"]
        static let temperatures: [String?] = ["hot", "warm", "cold", "dead", nil]
        static let sources: [String?] = ["website", "referral", nil, "walk-in"]

        static func make(_ app: TestApp) async throws -> Fixture {
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let agentID = try #require(tenant.userIDs[.agent])
            let adminID = try #require(tenant.userIDs[.admin])
            let owners: [UUID?] = [agentID, adminID, nil]
            var leads: [Lead] = []
            for index in 0..<25 {
                let tags = (index % 3 == 0 ? ["vip"] : []) + (index % 4 == 0 ? ["delhi"] : [])
                let email = index % 2 == 0 ? "Lead\(index)@Shop.Example.com" : index % 5 == 1 ? "x\(index)@other.org" : nil
                let phone = index % 5 == 4 ? nil : "98765 4" + String(format: "%04d", index)
                var fields: [String: Any] = [
                    "name": names[index], "stage": stages[index % 7], "tags": tags, "score": (index * 7 % 10) * 10,
                ]
                fields["temperature"] = temperatures[index % 5]
                fields["source"] = sources[index % 4]
                fields["ownerId"] = owners[index % 3]?.uuidString
                fields["email"] = email
                fields["phone"] = phone
                let contact = try await api.create(owner, fields)
                let lead = Lead(
                    index: index, id: try #require(contact["id"] as? String), name: names[index], stage: stages[index % 7],
                    temperature: temperatures[index % 5], tags: tags, source: sources[index % 4], owner: owners[index % 3],
                    score: (index * 7 % 10) * 10, email: email?.lowercased(), phone: contact["phone"] as? String, day: index / 2)
                #expect(lead.phone == phone.map { _ in "+91987654" + String(format: "%04d", index) })
                leads.append(lead)
                try await ContactsListTests.backdate(
                    app, tenant, lead.id, to: Date(timeIntervalSince1970: 1_735_689_600 + Double(lead.day) * 86_400))
            }
            return Fixture(
                api: api, owner: owner, agent: try await app.token(tenant, .agent), agentID: agentID, adminID: adminID, leads: leads)
        }

        /// The order `sort` promises: its key, then the id in the same direction.
        static func order(_ sort: String) -> (Lead, Lead) -> Bool {
            func by<Key: Comparable>(_ key: @escaping (Lead) -> Key, descending: Bool) -> (Lead, Lead) -> Bool {
                { a, b in
                    let (x, y) = descending ? (b, a) : (a, b)
                    return key(x) != key(y) ? key(x) < key(y) : x.id < y.id
                }
            }
            switch sort {
            case "createdAt": return by(\.day, descending: false)
            case "name": return by(\.name, descending: false)
            case "-name": return by(\.name, descending: true)
            case "-score": return by(\.score, descending: true)
            case "score": return by(\.score, descending: false)
            default: return by(\.day, descending: true)
            }
        }
    }

    /// Sets a contact's creation time (the API stamps it; the filters and the
    /// dashboard read it).
    static func backdate(_ app: TestApp, _ tenant: SeededTenant, _ id: String, to date: Date) async throws {
        let contactID = try #require(UUID(uuidString: id))
        _ = try await app.database.withTenant(tenant.id, logger: logger) { connection in
            try await connection.query("UPDATE contacts SET created_at = \(date) WHERE id = \(contactID)", logger: logger)
        }
    }
}
