import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Realtime
import Testing

/// The CRM's contact records through the real API on a fresh database: create and
/// validate, change and read back the history, delete and restore, bulk changes,
/// round-robin assignment and the tag catalogue. Lists, search, export, the
/// dashboard and who sees what are in `ContactsListTests`.
@Suite("Contacts: create, validate, change, delete, bulk changes, auto-assignment and tags")
struct ContactsTests {
    // MARK: - Create

    @Test("create answers 201 with Location and the stored contact, which GET returns; every spelling of a number is stored in E.164")
    func createStoresNormalisedContact() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let agentID = try #require(tenant.userIDs[.agent])
            let customerID = try #require(tenant.userIDs[.customer])

            let spellings = ["98765 43210", "+91-98765-43210", "09876543210", "919876543210", "0091 98765 43210", "98765.43210"]
            for (index, spelling) in spellings.enumerated() {
                // act
                let contact = try await api.create(
                    owner,
                    [
                        "name": "  Ravi Kumar \(index) ", "phone": spelling, "email": "Ravi.Kumar@Example.COM", "source": "website",
                        "stage": "contacted", "temperature": "warm", "score": 40, "tags": ["vip", "delhi", "vip"],
                        "ownerId": agentID.uuidString, "customerUserId": customerID.uuidString,
                        "customFields": ["city": "Delhi", "budget": 50000, "visits": [1, 2]],
                    ])

                // check
                let id = try #require(contact["id"] as? String)
                #expect(UUID(uuidString: id)?.uuidString == id, "ids are upper-case UUIDs: \(id)")
                #expect(contact["phone"] as? String == "+919876543210", "\(spelling) was stored as \(contact["phone"] ?? "nil")")
                #expect(contact["name"] as? String == "Ravi Kumar \(index)")
                #expect(contact["email"] as? String == "ravi.kumar@example.com")
                #expect(contact["source"] as? String == "website")
                #expect(contact["stage"] as? String == "contacted")
                #expect(contact["temperature"] as? String == "warm")
                #expect(contact["score"] as? Int == 40)
                #expect(contact["tags"] as? [String] == ["vip", "delhi"])
                #expect(contact["ownerId"] as? String == agentID.uuidString)
                #expect(contact["customerUserId"] as? String == customerID.uuidString)
                #expect(contact["createdBy"] as? String == tenant.userIDs[.owner]?.uuidString)
                #expect(
                    ContactsAPI.canonical(contact["customFields"])
                        == ContactsAPI.canonical(["city": "Delhi", "budget": 50000, "visits": [1, 2]]))
                #expect(contact["createdAt"] is String && contact["updatedAt"] is String)
                #expect(contact["deletedAt"] == nil)
                let fetched = try await api.get(owner, id)
                #expect(ContactsAPI.canonical(fetched) == ContactsAPI.canonical(contact), "GET returns what POST answered")
                // Deleting frees the number for the next spelling.
                #expect(try await app.request(.delete, "/v1/contacts/\(id)", token: owner).status == .noContent)
            }

            // Only a name: the defaults.
            let bare = try await api.create(owner, ["name": "Walk-in"])
            #expect(bare["stage"] as? String == "new")
            #expect(bare["score"] as? Int == 0)
            #expect(bare["tags"] as? [String] == [])
            #expect(ContactsAPI.canonical(bare["customFields"]) == ContactsAPI.canonical([String: Any]()))
            for key in ["phone", "email", "source", "temperature", "ownerId", "customerUserId"] {
                #expect(bare.keys.contains(key) && ContactsAPI.isNull(bare[key]), "\(key) is null: \(bare)")
            }
            #expect(try await api.listIDs(owner) == [bare["id"] as? String], "the deleted ones are not listed")
        }
    }

    @Test("a number that is not a phone number answers 422 at /phone; a number another live contact has answers 409 naming it")
    func phoneIsValidatedAndUnique() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)

            // act + check: not numbers
            for phone in ["12345", "abcdefghij", "98765"] {
                let response = try await app.request(
                    .post, "/v1/contacts", token: owner, json: ContactsAPI.json(["name": "X", "phone": phone]))
                let problem = try ContactsAPI.expectInvalid(response, "/phone", phone)
                #expect(ContactsAPI.kind(problem) == "validation-failed")
            }
            #expect(try await api.listIDs(owner).isEmpty, "nothing was stored")

            // act + check: the same number, spelt another way
            let first = try await api.createID(owner, ["name": "First", "phone": "98765 43210"])
            let clash = try await app.request(
                .post, "/v1/contacts", token: owner, json: ContactsAPI.json(["name": "Second", "phone": "+91 98765-43210"]))
            let problem = try clash.expectProblem(.conflict)
            #expect(ContactsAPI.kind(problem) == "duplicate-phone", "\(clash.text)")
            #expect((problem["detail"] as? String)?.contains(first) == true, "the detail names \(first): \(clash.text)")

            // ... and by PATCH of another contact
            let other = try await api.createID(owner, ["name": "Other", "phone": "98200 11111"])
            let moved = try await api.patch(owner, other, ["phone": "09876543210"])
            let movedProblem = try moved.expectProblem(.conflict)
            #expect(ContactsAPI.kind(movedProblem) == "duplicate-phone")
            #expect((movedProblem["detail"] as? String)?.contains(first) == true, "\(moved.text)")
            #expect(try await api.get(owner, other)["phone"] as? String == "+919820011111", "the refused PATCH changed nothing")

            // The same new number from many requests at once: one wins, the rest are 409, none 500.
            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String).self) { group in
                for index in 0..<6 {
                    group.addTask {
                        let response = try await app.request(
                            .post, "/v1/contacts", token: owner,
                            json: ContactsAPI.json(["name": "Racer \(index)", "phone": "+91 99999 00000"]))
                        return (response.status, response.text)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0.0 == .created }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0.0 == .conflict && $0.1.contains("duplicate-phone") }.count == 5, "\(statuses)")
            let racers = try await api.listIDs(owner, [("q", "99999 00000")])
            #expect(racers.count == 1)

            // A contact may be re-sent its own number in another spelling.
            let same = try await api.patch(owner, first, ["phone": "919876543210"])
            #expect(same.status == .ok, "\(same.text)")
            #expect(Set(try await api.listIDs(owner)) == Set([first, other] + racers))
        }
    }

    @Test("a tenant's default country code completes numbers written without one")
    func defaultCountryCodeApplies() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            try await api.updateSettings(owner, #"{"defaultCountryCode":"+1"}"#)

            for (spelling, stored) in [
                ("(415) 555-2671", "+14155552671"), ("1 415 555 2671", "+14155552671"), ("+1 415.555.2671", "+14155552671"),
                ("+91 98765 43210", "+919876543210"), ("0044 20 7946 0958", "+442079460958"),
            ] {
                // act
                let contact = try await api.create(owner, ["name": "Caller", "phone": spelling])
                // check
                #expect(contact["phone"] as? String == stored, "\(spelling)")
                let id = try #require(contact["id"] as? String)
                #expect(try await app.request(.delete, "/v1/contacts/\(id)", token: owner).status == .noContent)
            }
            // An Indian national number is not a US one.
            try ContactsAPI.expectInvalid(
                try await app.request(.post, "/v1/contacts", token: owner, json: #"{"name":"X","phone":"98765 432"}"#), "/phone")
        }
    }

    // MARK: - Validation and roles

    @Test("invalid fields answer 422 naming each field and store nothing")
    func invalidFieldsAreRejected() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let owner = try await app.token(tenant, .owner)
            let cases: [(fields: [String: Any], pointer: String)] = [
                (["name": "X", "stage": "won-ish"], "/stage"),
                (["name": "X", "score": 101], "/score"),
                (["name": "X", "score": -1], "/score"),
                (["name": "X", "temperature": "lukewarm"], "/temperature"),
                (["name": "X", "email": "not-an-email"], "/email"),
                (["name": ""], "/name"),
                (["name": "   "], "/name"),
                (["name": String(repeating: "n", count: 201)], "/name"),
                (["phone": "98765 43210"], "/name"),
                (["name": "X", "tags": ["ok", "bad,tag"]], "/tags/1"),
                (["name": "X", "customFields": "city=Delhi"], "/customFields"),
                (["name": "X", "ownerId": try #require(globex.userIDs[.agent]).uuidString], "/ownerId"),
                (["name": "X", "ownerId": try #require(tenant.userIDs[.customer]).uuidString], "/ownerId"),
                (["name": "X", "ownerId": UUID().uuidString], "/ownerId"),
                (["name": "X", "ownerId": "agent"], "/ownerId"),
                (["name": "X", "customerUserId": try #require(tenant.userIDs[.agent]).uuidString], "/customerUserId"),
                (["name": "X", "customerUserId": try #require(globex.userIDs[.customer]).uuidString], "/customerUserId"),
            ]

            for (fields, pointer) in cases {
                // act
                let response = try await app.request(.post, "/v1/contacts", token: owner, json: ContactsAPI.json(fields))
                // check
                try ContactsAPI.expectInvalid(response, pointer, "\(fields)")
            }
            // Several bad fields are all named at once.
            let several = try await app.request(
                .post, "/v1/contacts", token: owner,
                json: ContactsAPI.json(["name": "X", "stage": "won-ish", "score": 101, "temperature": "lukewarm", "email": "nope"]))
            let problem = try several.expectProblem(.unprocessableContent)
            #expect(Set(ContactsAPI.pointers(problem)).isSuperset(of: ["/stage", "/score", "/temperature", "/email"]), "\(several.text)")
            #expect(try await api.listIDs(owner).isEmpty, "nothing was stored")
        }
    }

    @Test("customers get 403 and anonymous callers 401 on every contacts, tags and dashboard route")
    func customersAreForbidden() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let customer = try await app.token(tenant, .customer)
            let id = try await api.createID(owner, ["name": "Kept", "tags": ["vip"]])
            let before = try await api.get(owner, id)
            let routes: [(method: HTTPRequest.Method, path: String, json: String?)] = [
                (.get, "/v1/contacts", nil),
                (.post, "/v1/contacts", #"{"name":"Sneaky"}"#),
                (.get, "/v1/contacts/\(id)", nil),
                (.patch, "/v1/contacts/\(id)", #"{"name":"Hijacked"}"#),
                (.delete, "/v1/contacts/\(id)", nil),
                (.post, "/v1/contacts/\(id)/restore", nil),
                (.get, "/v1/contacts/\(id)/notes", nil),
                (.post, "/v1/contacts/\(id)/notes", #"{"body":"hello"}"#),
                (.get, "/v1/contacts/\(id)/timeline", nil),
                (.post, "/v1/contacts/bulk", #"{"ids":["\#(id)"],"action":"delete"}"#),
                (.get, "/v1/contacts/export", nil),
                (.get, "/v1/tags", nil),
                (.post, "/v1/tags", #"{"name":"sneaky"}"#),
                (.delete, "/v1/tags/vip", nil),
                (.get, "/v1/dashboard", nil),
            ]

            for route in routes {
                // act + check
                let response = try await app.request(route.method, route.path, token: customer, json: route.json)
                let problem = try response.expectProblem(.forbidden)
                #expect(ContactsAPI.kind(problem) == "forbidden", "customer \(route.method) \(route.path): \(response.text)")
                let anonymous = try await app.request(route.method, route.path, json: route.json)
                #expect(anonymous.status == .unauthorized, "anonymous \(route.method) \(route.path): \(anonymous.status)")
            }
            // check: nothing changed
            #expect(ContactsAPI.canonical(try await api.get(owner, id)) == ContactsAPI.canonical(before))
            #expect(try await api.listIDs(owner) == [id])
        }
    }

    // MARK: - Change, notes and timeline

    @Test(
        "PATCH changes only the fields sent, null clears optional ones, customFields merge key by key; the timeline and notes read newest first"
    )
    func patchNotesAndTimeline() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let owner = try await app.token(tenant, .owner)
            let agent = try await app.token(tenant, .agent)
            let ownerID = try #require(tenant.userIDs[.owner]).uuidString
            let adminID = try #require(tenant.userIDs[.admin]).uuidString
            let agentID = try #require(tenant.userIDs[.agent]).uuidString
            let customerID = try #require(tenant.userIDs[.customer]).uuidString
            let created = try await api.create(
                owner,
                [
                    "name": "Asha Verma", "phone": "98200 11111", "email": "asha@example.com", "source": "referral",
                    "temperature": "hot", "score": 55, "tags": ["vip"], "ownerId": adminID, "customerUserId": customerID,
                    "customFields": ["city": "Pune", "budget": 10, "keep": "yes"],
                ])
            let id = try #require(created["id"] as? String)

            // act + check: one field
            let staged = try await api.patch(owner, id, ["stage": "qualified"])
            #expect(staged.status == .ok, "\(staged.text)")
            let afterStage = try staged.jsonObject()
            #expect(afterStage["stage"] as? String == "qualified")
            #expect(
                ContactsAPI.canonical(ContactsAPI.without(afterStage, "stage", "updatedAt"))
                    == ContactsAPI.canonical(ContactsAPI.without(created, "stage", "updatedAt")), "only the stage changed")
            #expect(ContactsAPI.canonical(try await api.get(owner, id)) == ContactsAPI.canonical(afterStage))

            let sameStage = try await api.patch(owner, id, ["stage": "qualified"])
            #expect(sameStage.status == .ok, "setting the stage it has records no change: \(sameStage.text)")
            let reassigned = try await api.patch(owner, id, ["ownerId": agentID])
            #expect(try reassigned.jsonObject()["ownerId"] as? String == agentID, "\(reassigned.text)")

            let firstNote = try await app.request(
                .post, "/v1/contacts/\(id)/notes", token: agent, json: #"{"body":"  Called; wants the premium plan  "}"#)
            #expect(firstNote.status == .created, "\(firstNote.text)")
            let note = try firstNote.jsonObject()
            let noteID = try #require(note["id"] as? String)
            #expect(note["contactId"] as? String == id)
            #expect(note["body"] as? String == "Called; wants the premium plan")
            #expect((note["author"] as? [String: Any])?["id"] as? String == agentID)
            #expect((note["author"] as? [String: Any])?["name"] as? String == "Agent acme")
            #expect(note["createdAt"] is String)

            // act + check: null clears, customFields merge
            let cleared = try await api.patch(
                owner, id,
                [
                    "phone": NSNull(), "email": NSNull(), "source": NSNull(), "temperature": NSNull(), "customerUserId": NSNull(),
                    "customFields": ["budget": NSNull(), "city": "Mumbai", "floor": 3],
                ])
            #expect(cleared.status == .ok, "\(cleared.text)")
            let afterClear = try cleared.jsonObject()
            for key in ["phone", "email", "source", "temperature", "customerUserId"] {
                #expect(ContactsAPI.isNull(afterClear[key]), "\(key) was cleared: \(cleared.text)")
            }
            #expect(
                ContactsAPI.canonical(afterClear["customFields"])
                    == ContactsAPI.canonical(["city": "Mumbai", "floor": 3, "keep": "yes"]), "\(cleared.text)")
            #expect(afterClear["name"] as? String == "Asha Verma")
            #expect(afterClear["stage"] as? String == "qualified")
            #expect(afterClear["score"] as? Int == 55)
            #expect(afterClear["tags"] as? [String] == ["vip"])
            #expect(afterClear["ownerId"] as? String == agentID)
            // The freed number can go to another contact.
            _ = try await api.create(owner, ["name": "New holder", "phone": "+919820011111"])

            let renamed = try await api.patch(owner, id, ["name": "  Asha V. ", "score": 70, "tags": ["vip", "pune"]])
            let afterRename = try renamed.jsonObject()
            #expect(afterRename["name"] as? String == "Asha V.")
            #expect(afterRename["score"] as? Int == 70)
            #expect(afterRename["tags"] as? [String] == ["vip", "pune"])

            let unassigned = try await api.patch(owner, id, ["ownerId": NSNull()])
            #expect(ContactsAPI.isNull(try unassigned.jsonObject()["ownerId"]), "\(unassigned.text)")

            // act + check: refused changes change nothing
            let beforeRefusals = try await api.get(owner, id)
            let refusals: [(fields: [String: Any], pointer: String)] = [
                (["customFields": NSNull()], "/customFields"),
                (["stage": "bogus"], "/stage"),
                (["score": 101], "/score"),
                (["temperature": "tepid"], "/temperature"),
                (["email": "not-an-email"], "/email"),
                (["phone": "12345"], "/phone"),
                (["ownerId": try #require(globex.userIDs[.agent]).uuidString], "/ownerId"),
                (["customerUserId": agentID], "/customerUserId"),
                (["name": NSNull()], "/name"),
                (["name": ""], "/name"),
            ]
            for (fields, pointer) in refusals {
                try ContactsAPI.expectInvalid(try await api.patch(owner, id, fields), pointer, "PATCH \(fields)")
            }
            let empty = try await app.request(.patch, "/v1/contacts/\(id)", token: owner, json: "{}")
            try empty.expectProblem(.unprocessableContent)
            try await api.patch(owner, UUID().uuidString, ["name": "Ghost"]).expectProblem(.notFound)
            #expect(ContactsAPI.canonical(try await api.get(owner, id)) == ContactsAPI.canonical(beforeRefusals))

            let secondNote = try await app.request(.post, "/v1/contacts/\(id)/notes", token: owner, json: #"{"body":"Sent the quote"}"#)
            let secondNoteID = try #require(try secondNote.jsonObject()["id"] as? String)
            try ContactsAPI.expectInvalid(
                try await app.request(.post, "/v1/contacts/\(id)/notes", token: owner, json: #"{"body":"   "}"#), "/body")
            try await app.request(.post, "/v1/contacts/\(UUID())/notes", token: owner, json: #"{"body":"lost"}"#)
                .expectProblem(.notFound)

            // check: the timeline, newest first
            let timeline = try await api.timeline(agent, id)
            #expect(
                timeline.map { $0["kind"] as? String } == ["note", "owner_changed", "note", "owner_changed", "stage_changed", "created"],
                "\(timeline)")
            try #require(timeline.count == 6)
            let data = timeline.map { $0["data"] as? [String: Any] ?? [:] }
            #expect(data[0]["noteId"] as? String == secondNoteID && data[0]["body"] as? String == "Sent the quote")
            #expect(data[1]["from"] as? String == agentID && ContactsAPI.isNull(data[1]["to"]), "\(data[1])")
            #expect(data[2]["noteId"] as? String == noteID && data[2]["body"] as? String == "Called; wants the premium plan")
            #expect(data[3]["from"] as? String == adminID && data[3]["to"] as? String == agentID, "\(data[3])")
            #expect(data[4]["from"] as? String == "new" && data[4]["to"] as? String == "qualified", "\(data[4])")
            #expect(timeline.map { $0["actorId"] as? String } == [ownerID, ownerID, agentID, ownerID, ownerID, ownerID])
            #expect(timeline[2]["actorName"] as? String == "Agent acme")
            #expect(timeline[0]["actorName"] as? String == "Owner acme")
            let times = timeline.compactMap { $0["occurredAt"] as? String }
            #expect(times.count == 6 && times == times.sorted(by: >), "newest first: \(times)")
            #expect(Set(timeline.compactMap { $0["id"] as? String }).count == 6)

            // check: the timeline pages the same
            var paged: [String] = []
            var cursor: String?
            repeat {
                let response = try await app.request(
                    .get, "/v1/contacts/\(id)/timeline" + ContactsAPI.query([("limit", "4")] + (cursor.map { [("cursor", $0)] } ?? [])),
                    token: owner)
                let page = try response.jsonObject()
                paged += ContactsAPI.ids(page["items"] as? [[String: Any]] ?? [])
                cursor = page["nextCursor"] as? String
            } while cursor != nil && paged.count < 20
            #expect(paged == ContactsAPI.ids(timeline))

            // check: the notes, newest first, in pages of one
            var notes: [[String: Any]] = []
            cursor = nil
            repeat {
                let response = try await app.request(
                    .get, "/v1/contacts/\(id)/notes" + ContactsAPI.query([("limit", "1")] + (cursor.map { [("cursor", $0)] } ?? [])),
                    token: agent)
                #expect(response.status == .ok, "\(response.text)")
                let page = try response.jsonObject()
                notes += page["items"] as? [[String: Any]] ?? []
                cursor = page["nextCursor"] as? String
            } while cursor != nil && notes.count < 10
            #expect(ContactsAPI.ids(notes) == [secondNoteID, noteID])
            #expect(notes.map { ($0["author"] as? [String: Any])?["name"] as? String } == ["Owner acme", "Agent acme"])
            #expect(notes.allSatisfy { $0["contactId"] as? String == id })
        }
    }

    @Test("a customFields PATCH leaves the keys it does not name exactly as they were, and stores the values it names as sent")
    func customFieldsMergeKeepsOtherKeys() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let id = try await api.createID(
                owner, ["name": "Nested", "customFields": ["prefs": ["sms": NSNull(), "email": true], "city": "Pune", "gone": 1]])

            // act
            let patched = try await api.patch(
                owner, id, ["customFields": ["city": "Mumbai", "gone": NSNull(), "address": ["line1": "MG Road", "line2": NSNull()]]])

            // check
            #expect(patched.status == .ok, "\(patched.text)")
            let expected: [String: Any] = [
                "prefs": ["sms": NSNull(), "email": true], "city": "Mumbai", "address": ["line1": "MG Road", "line2": NSNull()],
            ]
            #expect(ContactsAPI.canonical(try patched.jsonObject()["customFields"]) == ContactsAPI.canonical(expected), "\(patched.text)")
            #expect(ContactsAPI.canonical(try await api.get(owner, id)["customFields"]) == ContactsAPI.canonical(expected))
        }
    }

    // MARK: - Delete and restore

    @Test(
        "delete is soft: 404 afterwards, listed with deleted=true for administrators only; only they restore, 409 when the number was reused"
    )
    func softDeleteAndRestore() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let admin = try await app.token(tenant, .admin)
            let agent = try await app.token(tenant, .agent)
            let id = try await api.createID(agent, ["name": "Gone Soon", "phone": "98765 43210", "tags": ["vip"]])
            let kept = try await api.createID(agent, ["name": "Kept"])

            // act
            let deleted = try await app.request(.delete, "/v1/contacts/\(id)", token: agent)

            // check: gone for everyone's ordinary reads
            #expect(deleted.status == .noContent, "\(deleted.text)")
            for token in [owner, agent] {
                try await app.request(.get, "/v1/contacts/\(id)", token: token).expectProblem(.notFound)
                try await api.patch(token, id, ["name": "Back"]).expectProblem(.notFound)
                try await app.request(.get, "/v1/contacts/\(id)/notes", token: token).expectProblem(.notFound)
                try await app.request(.post, "/v1/contacts/\(id)/notes", token: token, json: #"{"body":"x"}"#).expectProblem(.notFound)
                #expect(try await api.listIDs(token) == [kept])
                #expect(try await api.listIDs(token, [("q", "Gone")]).isEmpty)
            }
            try await app.request(.delete, "/v1/contacts/\(id)", token: owner).expectProblem(.notFound)
            let tags = try await app.request(.get, "/v1/tags", token: owner).jsonObject()["items"] as? [[String: Any]] ?? []
            #expect(tags.first { $0["name"] as? String == "vip" }?["contactCount"] as? Int == 0, "deleted contacts are not counted")

            // check: administrators list deleted contacts; agents may not
            for token in [owner, admin] {
                let trash = try await api.walk(token, [("deleted", "true")]).items
                #expect(ContactsAPI.ids(trash) == [id])
                #expect(trash.first?["deletedAt"] is String, "\(trash)")
            }
            #expect(try await api.get(admin, id + "?deleted=true")["name"] as? String == "Gone Soon")
            let agentTrash = try await app.request(.get, "/v1/contacts?deleted=true", token: agent)
            #expect(ContactsAPI.kind(try agentTrash.expectProblem(.forbidden)) == "forbidden")

            // act + check: agents cannot restore
            try await app.request(.post, "/v1/contacts/\(id)/restore", token: agent).expectProblem(.forbidden)

            // act + check: the number went to a new contact, so restoring conflicts
            let reuse = try await api.createID(agent, ["name": "New Holder", "phone": "+91 98765 43210"])
            let conflict = try await app.request(.post, "/v1/contacts/\(id)/restore", token: admin)
            let problem = try conflict.expectProblem(.conflict)
            #expect(ContactsAPI.kind(problem) == "duplicate-phone", "\(conflict.text)")
            #expect((problem["detail"] as? String)?.contains(reuse) == true, "names the contact holding the number: \(conflict.text)")
            try await app.request(.get, "/v1/contacts/\(id)", token: owner).expectProblem(.notFound)
            #expect(ContactsAPI.ids(try await api.walk(admin, [("deleted", "true")]).items) == [id], "still deleted")

            // act + check: once the number is free again the administrator restores it
            #expect(try await app.request(.delete, "/v1/contacts/\(reuse)", token: owner).status == .noContent)
            let restored = try await app.request(.post, "/v1/contacts/\(id)/restore", token: admin)
            #expect(restored.status == .ok, "\(restored.text)")
            let contact = try restored.jsonObject()
            #expect(contact["id"] as? String == id)
            #expect(contact["phone"] as? String == "+919876543210")
            #expect(contact["deletedAt"] == nil || contact["deletedAt"] is NSNull)
            #expect(try await api.get(agent, id)["name"] as? String == "Gone Soon")
            #expect(Set(try await api.listIDs(agent)) == [id, kept])
            #expect(ContactsAPI.ids(try await api.walk(admin, [("deleted", "true")]).items) == [reuse])
            let kinds = try await api.timeline(owner, id).map { $0["kind"] as? String }
            #expect(kinds == ["restored", "deleted", "created"], "\(kinds)")

            // Restoring a live or unknown contact is 404.
            try await app.request(.post, "/v1/contacts/\(id)/restore", token: admin).expectProblem(.notFound)
            try await app.request(.post, "/v1/contacts/\(UUID())/restore", token: admin).expectProblem(.notFound)
        }
    }

    // MARK: - Bulk

    @Test("a bulk change naming any unknown, deleted or other tenant's contact answers 422 unknown-contacts and changes nothing anywhere")
    func bulkIsAllOrNothing() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let owner = try await app.token(acme, .owner)
            let globexOwner = try await app.token(globex, .owner)
            let agentID = try #require(acme.userIDs[.agent]).uuidString
            let a = try await api.createID(owner, ["name": "Alpha", "tags": ["keep"]])
            let b = try await api.createID(owner, ["name": "Bravo"])
            let gone = try await api.createID(owner, ["name": "Deleted"])
            #expect(try await app.request(.delete, "/v1/contacts/\(gone)", token: owner).status == .noContent)
            let theirs = try await api.createID(globexOwner, ["name": "Globex Lead"])
            let acmeBefore = [try await api.get(owner, a), try await api.get(owner, b)].map(ContactsAPI.canonical)
            let globexBefore = ContactsAPI.canonical(try await api.get(globexOwner, theirs))
            let unknown = UUID().uuidString
            let actions: [(action: String, value: String?)] = [
                ("setStage", "won"), ("setTemperature", "hot"), ("addTag", "spam"), ("removeTag", "keep"), ("assign", agentID),
                ("assign", nil), ("delete", nil),
            ]

            for (stranger, label) in [(unknown, "unknown"), (gone, "deleted"), (theirs, "globex's")] {
                for (action, value) in actions {
                    // act
                    let response = try await api.bulk(owner, ids: [a, stranger, b], action: action, value: value)
                    // check
                    let problem = try response.expectProblem(.unprocessableContent)
                    #expect(ContactsAPI.kind(problem) == "unknown-contacts", "\(label) \(action): \(response.text)")
                    let details = (problem["errors"] as? [[String: Any]] ?? []).compactMap { $0["detail"] as? String }
                    #expect(details.contains { $0.contains(stranger) }, "names \(stranger): \(response.text)")
                    #expect(!details.contains { $0.contains(a) || $0.contains(b) }, "only the unknown id is named: \(response.text)")
                }
            }

            // check: nothing changed in either tenant
            #expect([try await api.get(owner, a), try await api.get(owner, b)].map(ContactsAPI.canonical) == acmeBefore)
            #expect(ContactsAPI.canonical(try await api.get(globexOwner, theirs)) == globexBefore)
            #expect(try await api.timeline(owner, a).count == 1, "no timeline entries")
            #expect(Set(try await api.listIDs(owner)) == [a, b])
            #expect(ContactsAPI.ids(try await api.walk(owner, [("deleted", "true")]).items) == [gone])
            let tags = try await app.request(.get, "/v1/tags", token: owner).jsonObject()["items"] as? [[String: Any]] ?? []
            #expect(!tags.contains { $0["name"] as? String == "spam" }, "the refused addTag added no tag: \(tags)")
            // The other tenant's owner cannot reach acme's contacts by bulk either.
            let reverse = try await api.bulk(globexOwner, ids: [theirs, a], action: "setStage", value: "lost")
            #expect(ContactsAPI.kind(try reverse.expectProblem(.unprocessableContent)) == "unknown-contacts")
            #expect(ContactsAPI.canonical(try await api.get(globexOwner, theirs)) == globexBefore)
        }
    }

    @Test("malformed bulk requests answer 422: no ids, over 1000 ids, a non-id, an unknown action, a missing or bad value")
    func bulkRequestsAreValidated() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let owner = try await app.token(tenant, .owner)
            let a = try await api.createID(owner, ["name": "Alpha"])
            let before = ContactsAPI.canonical(try await api.get(owner, a))
            let many = [a] + (0..<1_000).map { _ in UUID().uuidString }

            // act + check
            try ContactsAPI.expectInvalid(try await api.bulk(owner, ids: [], action: "delete"), "/ids")
            try ContactsAPI.expectInvalid(try await api.bulk(owner, ids: many, action: "delete"), "/ids", "1001 ids")
            try ContactsAPI.expectInvalid(try await api.bulk(owner, ids: [a, "not-an-id"], action: "delete"), "/ids/1")
            try ContactsAPI.expectInvalid(try await api.bulk(owner, ids: [a], action: "explode"), "/action")
            try ContactsAPI.expectInvalid(try await api.bulk(owner, ids: [a], action: "setStage"), "/value")
            try ContactsAPI.expectInvalid(try await api.bulk(owner, ids: [a], action: "setStage", value: "done"), "/value")
            try ContactsAPI.expectInvalid(try await api.bulk(owner, ids: [a], action: "setTemperature", value: "tepid"), "/value")
            try ContactsAPI.expectInvalid(try await api.bulk(owner, ids: [a], action: "addTag"), "/value")
            try ContactsAPI.expectInvalid(try await api.bulk(owner, ids: [a], action: "addTag", value: "a;b"), "/value")
            try ContactsAPI.expectInvalid(try await api.bulk(owner, ids: [a], action: "assign", value: "bob"), "/value")
            let stranger = try #require(globex.userIDs[.agent]).uuidString
            try ContactsAPI.expectInvalid(
                try await api.bulk(owner, ids: [a], action: "assign", value: stranger), "/value", "another tenant's agent")
            try ContactsAPI.expectInvalid(
                try await api.bulk(owner, ids: [a], action: "assign", value: try #require(tenant.userIDs[.customer]).uuidString), "/value",
                "a customer")
            #expect(ContactsAPI.canonical(try await api.get(owner, a)) == before)
        }
    }

    @Test("each bulk action changes exactly the listed contacts and answers how many")
    func bulkActionsApply() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let agent = try await app.token(tenant, .agent)
            let agentID = try #require(tenant.userIDs[.agent]).uuidString
            let a = try await api.createID(owner, ["name": "Alpha", "tags": ["old"]])
            let b = try await api.createID(owner, ["name": "Bravo", "stage": "contacted"])
            let bystander = try await api.createID(owner, ["name": "Charlie", "tags": ["old"]])
            let bystanderBefore = ContactsAPI.canonical(try await api.get(owner, bystander))
            func changed(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int? {
                #expect(response.status == .ok, "\(response.text)", sourceLocation: sourceLocation)
                return try response.jsonObject()["changed"] as? Int
            }

            // act + check: setStage, with a timeline entry per contact that moved
            #expect(try changed(try await api.bulk(agent, ids: [a, b], action: "setStage", value: "qualified")) == 2)
            for id in [a, b] { #expect(try await api.get(owner, id)["stage"] as? String == "qualified") }
            let stageEntry = try #require(try await api.timeline(owner, a).first)
            #expect(stageEntry["kind"] as? String == "stage_changed")
            #expect((stageEntry["data"] as? [String: Any])?["from"] as? String == "new")
            #expect((stageEntry["data"] as? [String: Any])?["to"] as? String == "qualified")
            #expect(stageEntry["actorId"] as? String == agentID)
            #expect((try await api.timeline(owner, b).first?["data"] as? [String: Any])?["from"] as? String == "contacted")

            // setTemperature, then clearing it
            #expect(try changed(try await api.bulk(agent, ids: [a, b], action: "setTemperature", value: "hot")) == 2)
            for id in [a, b] { #expect(try await api.get(owner, id)["temperature"] as? String == "hot") }
            #expect(try changed(try await api.bulk(agent, ids: [a], action: "setTemperature")) == 1)
            #expect(ContactsAPI.isNull(try await api.get(owner, a)["temperature"]))
            #expect(try await api.get(owner, b)["temperature"] as? String == "hot")

            // addTag (twice adds it once) and removeTag; the catalogue learns the tag
            #expect(try changed(try await api.bulk(agent, ids: [a, b], action: "addTag", value: "promo")) == 2)
            #expect(try changed(try await api.bulk(agent, ids: [a], action: "addTag", value: "promo")) == 1)
            #expect(try await api.get(owner, a)["tags"] as? [String] == ["old", "promo"])
            #expect(try await api.get(owner, b)["tags"] as? [String] == ["promo"])
            let tags = try await app.request(.get, "/v1/tags", token: owner).jsonObject()["items"] as? [[String: Any]] ?? []
            #expect(tags.first { $0["name"] as? String == "promo" }?["contactCount"] as? Int == 2, "\(tags)")
            #expect(try changed(try await api.bulk(agent, ids: [a, b], action: "removeTag", value: "old")) == 2)
            #expect(try await api.get(owner, a)["tags"] as? [String] == ["promo"])
            #expect(try await api.get(owner, b)["tags"] as? [String] == ["promo"])

            // assign and unassign, with owner_changed entries
            #expect(try changed(try await api.bulk(owner, ids: [a, b], action: "assign", value: agentID)) == 2)
            for id in [a, b] { #expect(try await api.get(owner, id)["ownerId"] as? String == agentID) }
            let assigned = try #require(try await api.timeline(owner, a).first)
            #expect(assigned["kind"] as? String == "owner_changed")
            #expect((assigned["data"] as? [String: Any])?["to"] as? String == agentID)
            #expect(try changed(try await api.bulk(owner, ids: [b], action: "assign")) == 1)
            #expect(ContactsAPI.isNull(try await api.get(owner, b)["ownerId"]))
            #expect(try await api.get(owner, a)["ownerId"] as? String == agentID)

            // delete
            #expect(try changed(try await api.bulk(agent, ids: [a, b], action: "delete")) == 2)
            for id in [a, b] { try await app.request(.get, "/v1/contacts/\(id)", token: owner).expectProblem(.notFound) }
            #expect(Set(ContactsAPI.ids(try await api.walk(owner, [("deleted", "true")]).items)) == [a, b])
            #expect(try await api.listIDs(owner) == [bystander])

            // check: the contact not listed never changed
            #expect(ContactsAPI.canonical(try await api.get(owner, bystander)) == bystanderBefore)
        }
    }

    @Test("assigning by bulk or PATCH sends contact.assigned to the new owner only, over a real WebSocket")
    func assignmentIsAnnounced() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let agentID = try #require(tenant.userIDs[.agent])
            let adminID = try #require(tenant.userIDs[.admin])
            let agentLive = try await api.listen(tenant, agentID, token: try await app.token(tenant, .agent))
            let adminLive = try await api.listen(tenant, adminID, token: try await app.token(tenant, .admin))
            let a = try await api.create(owner, ["name": "Alpha", "phone": "98765 00001"])
            let b = try await api.create(owner, ["name": "Bravo"])
            let c = try await api.create(owner, ["name": "Charlie"])
            let ids = [a, b, c].compactMap { $0["id"] as? String }

            // act: bulk
            let bulk = try await api.bulk(owner, ids: ids, action: "assign", value: agentID.uuidString)
            #expect(bulk.status == .ok, "\(bulk.text)")

            // check
            let events = await agentLive.recorder.waitForEvents(1, type: "contact.assigned")
            let event = try #require(events.first, "no contact.assigned for the agent")
            #expect(events.count == 1, "one event for the whole bulk change: \(events.map(\.data))")
            #expect(event.object["count"] as? Int == 3, "\(event.data)")
            let listed = event.object["contacts"] as? [[String: Any]] ?? []
            #expect(Set(listed.compactMap { ContactsAPI.uuid($0["id"]) }) == Set(ids.compactMap(UUID.init(uuidString:))), "\(event.data)")
            #expect(listed.first { ContactsAPI.uuid($0["id"]) == UUID(uuidString: ids[0]) }?["phone"] as? String == "+919876500001")
            #expect(listed.first { ContactsAPI.uuid($0["id"]) == UUID(uuidString: ids[0]) }?["name"] as? String == "Alpha")
            #expect(ContactsAPI.uuid(event.object["assignedBy"]) == tenant.userIDs[.owner])

            // act: PATCH one to the admin, then back to the agent
            #expect(try await api.patch(owner, ids[1], ["ownerId": adminID.uuidString]).status == .ok)
            #expect(try await api.patch(owner, ids[1], ["ownerId": agentID.uuidString]).status == .ok)

            // check
            let adminEvents = await adminLive.recorder.waitForEvents(1, type: "contact.assigned")
            #expect(adminEvents.count == 1, "\(adminEvents.map(\.data))")
            let moved = try #require(UUID(uuidString: ids[1]))
            #expect((adminEvents.first?.object["contacts"] as? [[String: Any]])?.compactMap { ContactsAPI.uuid($0["id"]) } == [moved])
            let again = await agentLive.recorder.waitForEvents(2, type: "contact.assigned")
            #expect(again.count == 2, "\(again.map(\.data))")
            #expect(again.last?.object["count"] as? Int == 1)
            #expect(ContactsAPI.uuid((again.last?.object["contacts"] as? [[String: Any]])?.first?["id"]) == UUID(uuidString: ids[1]))
            // Nothing else reached either of them (the fan-out is past everything above).
            _ = try await RealtimeAccessTests.sync(app, tenant.id, audience: .users([agentID, adminID]), [agentLive, adminLive])
            #expect(agentLive.events.filter { $0.type == "contact.assigned" }.count == 2)
            #expect(adminLive.events.filter { $0.type == "contact.assigned" }.count == 1)
            await agentLive.close()
            await adminLive.close()
        }
    }

    // MARK: - Auto-assignment

    @Test("with autoAssign on, new contacts without an owner go to the active agents in turn, each told by contact.assigned")
    func autoAssignRoundRobin() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let firstID = try #require(tenant.userIDs[.agent])
            let second = try await api.createUser(tenant, ownerToken: owner, name: "Second Agent", role: .agent)
            let firstLive = try await api.listen(tenant, firstID, token: try await app.token(tenant, .agent))
            let secondLive = try await api.listen(tenant, second.id, token: second.token)
            let before = try await api.create(owner, ["name": "Before"])
            #expect(ContactsAPI.isNull(before["ownerId"]), "autoAssign is off by default")
            try await api.updateSettings(owner, #"{"contacts":{"autoAssign":true}}"#)

            // act
            var contacts: [[String: Any]] = []
            for index in 1...4 { contacts.append(try await api.create(owner, ["name": "Auto \(index)", "phone": "98765 0000\(index)"])) }
            let explicit = try await api.create(owner, ["name": "Admin's", "ownerId": try #require(tenant.userIDs[.admin]).uuidString])

            // check: owners alternate between the two agents
            let owners = contacts.map { ContactsAPI.uuid($0["ownerId"]) }
            #expect(Set(owners) == [firstID, second.id], "\(owners)")
            #expect(owners[0] != owners[1] && owners[0] == owners[2] && owners[1] == owners[3], "round robin: \(owners)")
            #expect(ContactsAPI.uuid(explicit["ownerId"]) == tenant.userIDs[.admin], "an owner given is kept")

            // check: each agent was told about each of theirs
            for (agent, live) in [(firstID, firstLive), (second.id, secondLive)] {
                let theirs = contacts.filter { ContactsAPI.uuid($0["ownerId"]) == agent }
                let events = await live.recorder.waitForEvents(theirs.count, type: "contact.assigned")
                #expect(events.count == theirs.count, "\(agent): \(events.map(\.data))")
                let told = events.flatMap { ($0.object["contacts"] as? [[String: Any]] ?? []).compactMap { ContactsAPI.uuid($0["id"]) } }
                #expect(Set(told) == Set(theirs.compactMap { ContactsAPI.uuid($0["id"]) }))
                #expect(events.allSatisfy { $0.object["count"] as? Int == 1 })
                #expect(events.allSatisfy { ContactsAPI.uuid($0.object["assignedBy"]) == tenant.userIDs[.owner] })
                let phones = events.compactMap { ($0.object["contacts"] as? [[String: Any]])?.first?["phone"] as? String }
                #expect(Set(phones) == Set(theirs.compactMap { $0["phone"] as? String }))
            }

            // act + check: many at once still share out evenly
            let concurrent = try await withThrowingTaskGroup(of: UUID?.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        let response = try await app.request(
                            .post, "/v1/contacts", token: owner, json: ContactsAPI.json(["name": "Burst \(index)"]))
                        return ContactsAPI.uuid(try response.jsonObject()["ownerId"])
                    }
                }
                return try await group.reduce(into: [UUID?]()) { $0.append($1) }
            }
            #expect(concurrent.filter { $0 == firstID }.count == 3 && concurrent.filter { $0 == second.id }.count == 3, "\(concurrent)")

            // act + check: a disabled agent gets no more
            let disabled = try await app.request(.delete, "/v1/users/\(second.id)", token: owner)
            #expect(disabled.status == .ok, "\(disabled.text)")
            for index in 5...6 {
                let contact = try await api.create(owner, ["name": "Auto \(index)"])
                #expect(ContactsAPI.uuid(contact["ownerId"]) == firstID, "only one active agent left: \(contact)")
            }

            // act + check: off again, no owner
            try await api.updateSettings(owner, #"{"contacts":{"autoAssign":false}}"#)
            #expect(ContactsAPI.isNull(try await api.create(owner, ["name": "After"])["ownerId"]))
            await firstLive.close()
            await secondLive.close()
        }
    }

    // MARK: - Tags

    @Test("tags: used ones join the catalogue with live counts; create and recolour; delete removes a tag from every contact")
    func tagCatalogue() async throws {
        try await TestApp.run { app in
            // setup
            let api = ContactsAPI(app: app)
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let agent = try await app.token(tenant, .agent)
            let a = try await api.createID(agent, ["name": "Alpha", "tags": ["vip", "hot lead", "50% off"]])
            let b = try await api.createID(agent, ["name": "Bravo", "tags": ["vip"]])
            let c = try await api.createID(agent, ["name": "Charlie"])
            #expect(try await api.patch(agent, c, ["tags": ["patched"]]).status == .ok)
            func catalogue() async throws -> [String: [String: Any]] {
                let response = try await app.request(.get, "/v1/tags", token: agent)
                #expect(response.status == .ok, "\(response.text)")
                let items = try response.jsonObject()["items"] as? [[String: Any]] ?? []
                return Dictionary(uniqueKeysWithValues: items.compactMap { item in (item["name"] as? String).map { ($0, item) } })
            }

            // check: tags in use are in the catalogue, counted
            var tags = try await catalogue()
            #expect(Set(tags.keys) == ["vip", "hot lead", "50% off", "patched"])
            #expect(tags["vip"]?["contactCount"] as? Int == 2)
            #expect(tags["hot lead"]?["contactCount"] as? Int == 1)
            #expect(tags["patched"]?["contactCount"] as? Int == 1)
            #expect(ContactsAPI.isNull(tags["vip"]?["color"]) && tags["vip"]?["createdAt"] is String)

            // act + check: create, then recolour
            let created = try await app.request(.post, "/v1/tags", token: agent, json: ##"{"name":"priority","color":"#ff0000"}"##)
            #expect(created.status == .created, "\(created.text)")
            let recoloured = try await app.request(.post, "/v1/tags", token: agent, json: ##"{"name":"priority","color":"#00aa00"}"##)
            #expect(recoloured.status == .ok, "\(recoloured.text)")
            tags = try await catalogue()
            #expect(tags["priority"]?["color"] as? String == "#00aa00")
            #expect(tags["priority"]?["contactCount"] as? Int == 0)
            try ContactsAPI.expectInvalid(try await app.request(.post, "/v1/tags", token: agent, json: #"{"name":"a,b"}"#), "/name")
            try ContactsAPI.expectInvalid(
                try await app.request(.post, "/v1/tags", token: agent, json: #"{"name":"ok","color":"red"}"#), "/color")

            // act + check: delete removes it from the catalogue and every contact
            #expect(try await app.request(.delete, "/v1/tags/vip", token: agent).status == .noContent)
            #expect(try await app.request(.delete, "/v1/tags/hot%20lead", token: agent).status == .noContent)
            #expect(try await app.request(.delete, "/v1/tags/50%25%20off", token: agent).status == .noContent)
            #expect(try await api.get(agent, a)["tags"] as? [String] == [])
            #expect(try await api.get(agent, b)["tags"] as? [String] == [])
            #expect(try await api.get(agent, c)["tags"] as? [String] == ["patched"])
            #expect(try await api.listIDs(agent, [("tag", "vip")]).isEmpty)
            #expect(Set(try await catalogue().keys) == ["patched", "priority"])
            try await app.request(.delete, "/v1/tags/vip", token: agent).expectProblem(.notFound)
            try await app.request(.delete, "/v1/tags/never", token: owner).expectProblem(.notFound)
        }
    }
}
