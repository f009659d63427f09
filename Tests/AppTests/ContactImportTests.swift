import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import Testing

/// Contact imports end to end: a real server reads the uploaded file, queues the
/// job, and its worker merges the rows into the tenant's contacts.
@Suite("Contact imports", .serialized)
struct ContactImportTests {
    static let logger: Logger = {
        var logger = Logger(label: "import-tests")
        logger.logLevel = .error
        return logger
    }()

    /// Rows 2..8 of the sheet (row 1 is the header): a merge into an existing
    /// contact, a new one, a row of the file merging into it, a bad phone, a blank
    /// row, a nameless one and a bad stage.
    static let rows: [[String]] = [
        ["Full Name", "Mobile", "E-mail", "Stage", "Tags", "City"],
        ["Asha Rao", "98765 43210", "asha@example.test", "qualified", "vip", "Pune"],
        ["Ravi Kumar", "+91-91234-56789", "", "new", "", "Mumbai"],
        ["Ravi K", "09123456789", "ravi@example.test", "", "hot-lead", ""],
        ["Bad Phone", "12345", "", "", "", ""],
        ["", "", "", "", "", ""],
        ["", "919988776655", "", "contacted", "", ""],
        ["Bad Stage", "9876500000", "", "maybe", "", ""],
    ]

    static func csv(_ rows: [[String]]) -> String {
        rows.map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    @Test("a CSV import creates, merges within the file and with existing contacts, reports bad rows by number, and tells the importer")
    func csvImport() async throws {
        try await TestApp.run { app in
            // setup: an existing contact the file's first row matches by phone
            let tenant = try await app.seedTenant("importer")
            let agentToken = try await app.token(tenant, .agent)
            let existing = try await app.request(
                .post, "/v1/contacts", token: agentToken, json: #"{"name":"Asha","phone":"+919876543210","tags":["a"]}"#)
            try #require(existing.status == .created, "\(existing.text)")
            let existingID = try #require(try existing.jsonObject()["id"] as? String)
            let live = try await RealtimeClient.connect(.webSocket, baseURL: Self.base(app), token: agentToken)

            // act
            let job = try await Self.importFile(app, token: agentToken, body: Self.csv(Self.rows), contentType: "text/csv", name: "leads.csv")

            // check: the job's counts and failed rows
            #expect(job["status"] as? String == "completed", "\(job)")
            #expect(job["totalRows"] as? Int == 7)
            #expect(job["processedRows"] as? Int == 7)
            #expect(job["progress"] as? Int == 100)
            #expect(job["created"] as? Int == 2)
            #expect(job["merged"] as? Int == 2)
            #expect(job["skipped"] as? Int == 1)
            #expect(job["failed"] as? Int == 2)
            let failures = (job["failures"] as? [[String: Any]]) ?? []
            #expect(failures.map { $0["row"] as? Int } == [5, 8], "\(failures)")
            #expect((failures.first?["reason"] as? String)?.isEmpty == false)
            #expect(job["fileName"] as? String == "leads.csv")
            // The existing contact: empty fields filled, tags added, stage kept (no overwrite).
            let asha = try await app.request(.get, "/v1/contacts/\(existingID)", token: agentToken).jsonObject()
            #expect(asha["name"] as? String == "Asha")
            #expect(asha["email"] as? String == "asha@example.test")
            #expect(asha["stage"] as? String == "new")
            #expect(Set(asha["tags"] as? [String] ?? []) == ["a", "vip"])
            #expect((asha["customFields"] as? [String: Any])?["City"] as? String == "Pune")
            let timeline = try await app.request(.get, "/v1/contacts/\(existingID)/timeline", token: agentToken).jsonObject()
            #expect(((timeline["items"] as? [[String: Any]]) ?? []).contains { $0["kind"] as? String == "imported" })
            // The new ones: Ravi's two rows folded into one; the nameless row named by its phone.
            let ravi = try await Self.contact(app, token: agentToken, phoneDigits: "919123456789")
            #expect(ravi?["name"] as? String == "Ravi Kumar")
            #expect(ravi?["email"] as? String == "ravi@example.test")
            #expect(Set(ravi?["tags"] as? [String] ?? []) == ["hot-lead"])
            let nameless = try await Self.contact(app, token: agentToken, phoneDigits: "919988776655")
            #expect(nameless?["name"] as? String == "+919988776655")
            #expect(nameless?["stage"] as? String == "contacted")
            #expect(try await Self.contact(app, token: agentToken, phoneDigits: "919876500000") == nil, "a failed row was imported")
            let all = try await app.request(.get, "/v1/contacts?limit=200", token: agentToken).jsonObject()
            #expect((all["items"] as? [Any])?.count == 3)
            // The importer heard about it.
            _ = await live.recorder.wait(timeout: .seconds(15)) { $0.contains { $0.type == "import.completed" } }
            let completed = live.events.first { $0.type == "import.completed" }?.object
            #expect(completed?["importId"] as? String == job["id"] as? String, "no import.completed: \(live.events.map(\.type))")
            #expect(completed?["created"] as? Int == 2)
            await live.close()

            // Importing the same file again changes nothing: every row matches and adds nothing.
            let again = try await Self.importFile(app, token: agentToken, body: Self.csv(Self.rows), contentType: "text/csv", name: nil)
            #expect(again["created"] as? Int == 0)
            #expect(again["skipped"] as? Int == 4, "\(again)")  // the blank row and the three known phones
            #expect(again["merged"] as? Int == 1)  // Ravi's second row, within the file
        }
    }

    @Test("overwrite=true replaces the values a row has; without it they are kept")
    func overwrite() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("overwriter")
            let token = try await app.token(tenant, .admin)
            let created = try await app.request(
                .post, "/v1/contacts", token: token, json: #"{"name":"Old Name","phone":"9876543210","stage":"won","score":10}"#)
            let id = try #require(try created.jsonObject()["id"] as? String)
            let file = Self.csv([["Name", "Phone", "Stage", "Score"], ["New Name", "+919876543210", "lost", "90"]])

            let kept = try await Self.importFile(app, token: token, body: file, contentType: "text/csv", name: nil)
            #expect(kept["skipped"] as? Int == 1, "\(kept)")
            var contact = try await app.request(.get, "/v1/contacts/\(id)", token: token).jsonObject()
            #expect(contact["name"] as? String == "Old Name")
            #expect(contact["stage"] as? String == "won")

            let replaced = try await Self.importFile(app, token: token, body: file, contentType: "text/csv", name: nil, overwrite: true)
            #expect(replaced["merged"] as? Int == 1, "\(replaced)")
            contact = try await app.request(.get, "/v1/contacts/\(id)", token: token).jsonObject()
            #expect(contact["name"] as? String == "New Name")
            #expect(contact["stage"] as? String == "lost")
            #expect(contact["score"] as? Int == 90)
        }
    }

    @Test("the same rows as .xlsx import exactly as the CSV does")
    func xlsxParity() async throws {
        try await TestApp.run { app in
            var outcomes: [[String: Int]] = []
            var contactSets: [[String]] = []
            for (slug, format) in [("parity-csv", "csv"), ("parity-xlsx", "xlsx")] {
                let tenant = try await app.seedTenant(slug)
                let token = try await app.token(tenant, .owner)
                try #require(
                    try await app.request(.post, "/v1/contacts", token: token, json: #"{"name":"Asha","phone":"9876543210"}"#).status
                        == .created)
                let job: [String: Any]
                if format == "csv" {
                    job = try await Self.importFile(app, token: token, body: Self.csv(Self.rows), contentType: "text/csv", name: "a.csv")
                } else {
                    let workbook = try WorkbookBuilder.xlsx(Self.rows)
                    job = try await Self.importFile(
                        app, token: token, bytes: workbook,
                        contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name: "a.xlsx")
                }
                #expect(job["status"] as? String == "completed", "\(format): \(job)")
                outcomes.append(
                    Dictionary(uniqueKeysWithValues: ["totalRows", "created", "merged", "skipped", "failed"].map { ($0, job[$0] as? Int ?? -1) }))
                let list = try await app.request(.get, "/v1/contacts?sort=name&limit=200", token: token).jsonObject()
                contactSets.append(
                    ((list["items"] as? [[String: Any]]) ?? []).map {
                        "\($0["name"] ?? "") \($0["phone"] ?? "") \($0["email"] ?? "") \($0["stage"] ?? "") \(($0["tags"] as? [String]) ?? [])"
                    })
            }
            #expect(outcomes[0] == outcomes[1])
            #expect(contactSets[0] == contactSets[1])
            #expect(contactSets[0].count == 3)
        }
    }

    @Test("a file that cannot be read is refused with a problem and leaves nothing behind; imports are staff-only and per user")
    func badFiles() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("badfiles")
            let agentToken = try await app.token(tenant, .agent)
            let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            var garbage = [UInt8](repeating: 0, count: 4096)
            for index in garbage.indices { garbage[index] = UInt8.random(in: 0...255) }
            garbage[0] = 0x50  // "PK\3\4": looks like a zip, is not one
            garbage[1] = 0x4B
            garbage[2] = 3
            garbage[3] = 4
            let cases: [(String, [UInt8], String)] = [
                ("a zip that is no workbook", garbage, xlsx),
                ("a CSV without a phone column", Array("Name,City\r\nAsha,Pune\r\n".utf8), "text/csv"),
                ("a CSV that is not UTF-8", [0x4E, 0x61, 0x6D, 0x65, 0x2C, 0x50, 0x68, 0x6F, 0x6E, 0x65, 0x0A, 0xFF, 0xFE, 0x2C, 0x39, 0x0A], "text/csv"),
                ("a truncated workbook", Array(try WorkbookBuilder.xlsx(Self.rows).prefix(300)), xlsx),
            ]
            for (name, bytes, contentType) in cases {
                let response = try await app.client.execute(
                    uri: "/v1/contacts/imports", method: .post,
                    headers: [.authorization: "Bearer \(agentToken)", .contentType: contentType], body: ByteBuffer(bytes: bytes))
                let problem = try response.expectProblem(.unprocessableContent)
                #expect((problem["type"] as? String)?.hasSuffix("/unreadable-file") == true, "\(name): \(problem)")
            }
            let empty = try await app.request(.post, "/v1/contacts/imports", token: agentToken, headers: [.contentType: "text/csv"])
            try empty.expectProblem(.unprocessableContent)
            let counts = try await app.database.withTenant(tenant.id, logger: Self.logger) { connection in
                let rows = try await connection.query(
                    "SELECT (SELECT count(*) FROM contact_imports), (SELECT count(*) FROM contacts)", logger: Self.logger)
                for try await (imports, contacts) in rows.decode((Int, Int).self) { return (imports, contacts) }
                return (-1, -1)
            }
            #expect(counts.0 == 0 && counts.1 == 0, "a refused file left \(counts.0) jobs and \(counts.1) contacts")

            // Customers cannot import; another user's job is not found, an admin's view is fine; another tenant sees nothing.
            let customerToken = try await app.token(tenant, .customer)
            try await app.request(.post, "/v1/contacts/imports", token: customerToken, headers: [.contentType: "text/csv"])
                .expectProblem(.forbidden)
            let job = try await Self.importFile(
                app, token: agentToken, body: Self.csv([["Phone"], ["9876543210"]]), contentType: "text/csv", name: nil)
            let jobID = try #require(job["id"] as? String)
            let ownerToken = try await app.token(tenant, .owner)
            #expect(try await app.request(.get, "/v1/contacts/imports/\(jobID)", token: ownerToken).status == .ok)
            let other = try await app.seedTenant("badfiles-other")
            let otherToken = try await app.token(other, .owner)
            try await app.request(.get, "/v1/contacts/imports/\(jobID)", token: otherToken).expectProblem(.notFound)
        }
    }

    @Test("a NUL in a cell (past the bytes a CSV is sniffed on, or an .xlsx _x0000_) refuses its row and the job completes; one in a header refuses the file")
    func nulCharacters() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("nul")
            let token = try await app.token(tenant, .agent)
            // Over 4 KiB of good rows first: the up-front check for binary files reads only the start.
            var rows = [["Name", "Phone", "City"]]
            for index in 0..<300 { rows.append(["Person \(index)", "98\(String(format: "%08d", index))", "Pune"]) }
            rows.append(["Bad Row", "9123456789", "Pu\u{0}ne"])
            #expect(Self.csv(Array(rows.dropLast())).utf8.count > 4096)

            // Before the fix the row reached PostgreSQL and the job stayed "running" for good.
            let csvJob = try await Self.importFile(app, token: token, body: Self.csv(rows), contentType: "text/csv", name: "nul.csv")
            #expect(csvJob["status"] as? String == "completed", "\(csvJob)")
            #expect(csvJob["created"] as? Int == 300)
            let failures = (csvJob["failures"] as? [[String: Any]]) ?? []
            #expect(failures.map { $0["row"] as? Int } == [302], "\(failures)")
            #expect((failures.first?["reason"] as? String)?.contains("NUL") == true, "\(failures)")

            let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            let workbook = try WorkbookBuilder.xlsx([["Name", "Phone", "City"], ["Asha", "9876500001", "Pu_x0000_ne"], ["Ravi", "9876500002", "Pune"]])
            let xlsxJob = try await Self.importFile(app, token: token, bytes: workbook, contentType: xlsx, name: nil)
            #expect(xlsxJob["status"] as? String == "completed", "\(xlsxJob)")
            #expect(xlsxJob["created"] as? Int == 1)
            #expect(((xlsxJob["failures"] as? [[String: Any]]) ?? []).map { $0["row"] as? Int } == [2], "\(xlsxJob)")

            // In a header it would be a custom field's name: the file is refused.
            let badHeader = try WorkbookBuilder.xlsx([["Name", "Phone", "Ci_x0000_ty"], ["Asha", "9876500003", "Pune"]])
            let refused = try await app.client.execute(
                uri: "/v1/contacts/imports", method: .post,
                headers: [.authorization: "Bearer \(token)", .contentType: xlsx], body: ByteBuffer(bytes: badHeader))
            let problem = try refused.expectProblem(.unprocessableContent)
            #expect((problem["type"] as? String)?.hasSuffix("/unreadable-file") == true, "\(problem)")
        }
    }

    @Test("a job whose node stopped mid-way is resumed by another worker from its last committed batch, without repeating rows")
    func resumesAbandonedJob() async throws {
        try await TestApp.run { app in
            // setup: a job as a dead node left it: running, lease expired, the first two contacts done
            let tenant = try await app.seedTenant("resume")
            let token = try await app.token(tenant, .owner)
            let file = Self.csv([["Name", "Phone"], ["One", "9000000001"], ["Two", "9000000002"], ["Three", "9000000003"], ["Four", "9000000004"]])
            let jobID = UUID()
            let owner = try #require(tenant.userIDs[.owner])
            try await app.database.withTenant(tenant.id, logger: Self.logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO contact_imports (id, tenant_id, created_by, format, status, file, total_rows, processed_rows,
                                                 created_count, resume_at, lease_until, started_at)
                    VALUES (\(jobID), \(tenant.id), \(owner), 'csv', 'running', \(ByteBuffer(string: file)), 4, 2, 2, 2,
                            now() - interval '1 second', now() - interval '1 minute')
                    """, logger: Self.logger)
            }

            // act: the worker's poll (every 5 s) takes it over
            var job: [String: Any] = [:]
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                job = try await app.request(.get, "/v1/contacts/imports/\(jobID.uuidString)", token: token).jsonObject()
                if job["status"] as? String == "completed" { break }
                try await Task.sleep(for: .milliseconds(200))
            }

            // check: rows 3 and 4 only; the counts carry on from where the dead node stopped
            #expect(job["status"] as? String == "completed", "\(job)")
            #expect(job["created"] as? Int == 4)
            #expect(job["processedRows"] as? Int == 4)
            let list = try await app.request(.get, "/v1/contacts?sort=name", token: token).jsonObject()
            #expect(((list["items"] as? [[String: Any]]) ?? []).map { $0["name"] as? String } == ["Four", "Three"])
        }
    }

    // MARK: - helpers

    static func base(_ app: TestApp) -> String { "http://127.0.0.1:\(app.client.port!)" }

    /// Uploads `body` and waits for the job to finish; returns the job's JSON.
    static func importFile(
        _ app: TestApp, token: String, body: String? = nil, bytes: Data? = nil, contentType: String, name: String?,
        overwrite: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Any] {
        var query: [String] = []
        if let name { query.append("fileName=\(name)") }
        if overwrite { query.append("overwrite=true") }
        let payload = bytes.map { ByteBuffer(bytes: $0) } ?? ByteBuffer(string: body ?? "")
        let started = try await app.client.execute(
            uri: "/v1/contacts/imports" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")), method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: contentType], body: payload)
        try #require(started.status == .accepted, "import: \(started.status) \(started.text)", sourceLocation: sourceLocation)
        let id = try #require(try started.jsonObject()["id"] as? String, sourceLocation: sourceLocation)
        #expect(started.headers[.location] == "/v1/contacts/imports/\(id)", sourceLocation: sourceLocation)
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let job = try await app.request(.get, "/v1/contacts/imports/\(id)", token: token).jsonObject()
            let status = job["status"] as? String
            if status == "completed" || status == "failed" || ContinuousClock.now > deadline { return job }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The contact whose phone has these digits, if any.
    static func contact(_ app: TestApp, token: String, phoneDigits: String) async throws -> [String: Any]? {
        let list = try await app.request(.get, "/v1/contacts?q=\(phoneDigits)", token: token).jsonObject()
        return ((list["items"] as? [[String: Any]]) ?? []).first { $0["phone"] as? String == "+" + phoneDigits }
    }
}
