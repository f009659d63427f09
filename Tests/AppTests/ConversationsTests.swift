import Accounts
import Foundation
import NIOHTTP1
import Testing

/// Portal chat and the inbox end to end: the real application on its own database,
/// real sockets for the API and the real-time events.
///
/// Delivery through the real-time hub waits for the cluster-wide transaction
/// horizon, so event waits allow 15 s.
@Suite("Conversations: portal chat and the inbox", .serialized)
struct ConversationsTests {
    typealias API = InboxAPI

    @Test(
        "a customer's first message reaches every staff member while unassigned; the reply reaches the customer, who never sees the contact"
    )
    func portalChatBothWays() async throws {
        try await API.run { api in
            // setup
            let tenant = try await api.seed("chat", agents: ["Ann Agent", "Bob Agent"], customers: 1)
            let (ann, bob, customer) = (tenant.agents[0], tenant.agents[1], tenant.customers[0])
            let ownerToken = try await api.login(tenant, tenant.owner)
            let annToken = try await api.login(tenant, ann)
            let bobToken = try await api.login(tenant, bob)
            let customerToken = try await api.login(tenant, customer)
            let annLive = try await api.listen(tenant, ann, token: annToken)
            let bobLive = try await api.listen(tenant, bob, token: bobToken)
            let ownerLive = try await api.listen(tenant, tenant.owner, token: ownerToken)
            let customerLive = try await api.listen(tenant, customer, token: customerToken)

            // act: the customer starts with a first message
            let started = try await api.send(.POST, "/v1/conversations", token: customerToken, json: #"{"text":"Hello, my order is late"}"#)
            try #require(started.status == 201, "\(started.status) \(started.body)")
            let conversation = started.json
            let id = try #require(conversation["id"] as? String).lowercased()
            #expect(started.headers.first(name: "location")?.lowercased() == "/v1/conversations/\(id)")
            #expect(conversation["channel"] as? String == "portal")
            #expect(conversation["status"] as? String == "open")
            #expect(
                conversation.keys.contains("contact") && API.isNull(conversation["contact"]),
                "customers must not see their contact: \(started.body)")
            #expect(API.isNull(conversation["assigneeId"]))
            #expect(CallsTests.uuid((conversation["customer"] as? [String: Any])?["id"]) == customer.id)
            #expect(conversation["lastMessagePreview"] as? String == "Hello, my order is late")
            #expect(API.isNull(conversation["window"]), "portal chat has no WhatsApp window")

            // check: every staff member hears it (unassigned), with the contact; the customer hears it without
            var contactID: String?
            for (label, live) in [("Ann", annLive), ("Bob", bobLive), ("owner", ownerLive)] {
                let event = await API.event(live, "chat.message", conversation: id)
                try #require(event != nil, "\(label) never got chat.message: \(live.events.map(\.type))")
                let message = (event?["message"] as? [String: Any]) ?? [:]
                #expect(message["body"] as? String == "Hello, my order is late")
                #expect(message["direction"] as? String == "inbound")
                #expect(CallsTests.uuid(message["authorId"]) == customer.id)
                #expect(event?["channel"] as? String == "portal")
                #expect(API.isNull(event?["assigneeId"]))
                let contact = event?["contact"] as? [String: Any]
                #expect(contact?["name"] as? String == customer.name, "\(label)'s chat.message has no contact: \(event ?? [:])")
                contactID = contact?["id"] as? String
            }
            let own = try #require(await API.event(customerLive, "chat.message", conversation: id), "the customer got no copy")
            #expect(API.isNull(own["contact"]), "the customer's chat.message names the CRM contact: \(own)")

            // act: Ann replies
            let reply = try await api.post(annToken, id, "Sorry! It ships today.")
            let replyID = try #require(reply["id"] as? String)
            #expect(reply["direction"] as? String == "outbound")
            #expect(reply["status"] as? String == "sent")
            #expect(CallsTests.uuid(reply["authorId"]) == ann.id)

            // check: the customer hears the reply, still without the contact
            let heard = try #require(
                await API.chatMessage(customerLive, conversation: id, message: replyID),
                "the customer never got the reply: \(customerLive.events)")
            #expect((heard["message"] as? [String: Any])?["body"] as? String == "Sorry! It ships today.")
            #expect(API.isNull(heard["contact"]))
            #expect(await API.chatMessage(bobLive, conversation: id, message: replyID) != nil, "Bob (unassigned inbox) missed the reply")

            // check: the customer's views never carry the contact; staff's do
            let customerView = try await api.get(customerToken, id)
            #expect(API.isNull(customerView["contact"]))
            #expect(customerView["unreadCount"] as? Int == 1, "the agent's reply is unread for the customer: \(customerView)")
            let customerList = try await api.page(customerToken)
            #expect(ContactsAPI.ids(customerList.items).map { $0.lowercased() } == [id])
            #expect(customerList.items.allSatisfy { API.isNull($0["contact"]) })
            let staffView = try await api.get(bobToken, id)
            #expect((staffView["contact"] as? [String: Any])?["id"] as? String == contactID)
            #expect(staffView["unreadCount"] as? Int == 1, "Bob has not read the customer's message: \(staffView)")
            let thread = try await api.messages(customerToken, id)
            #expect(thread.compactMap { $0["body"] as? String } == ["Sorry! It ships today.", "Hello, my order is late"])

            // A second POST /v1/conversations is the same conversation.
            let again = try await api.send(.POST, "/v1/conversations", token: customerToken, json: "{}")
            #expect(again.status == 200, "\(again.status) \(again.body)")
            #expect((again.json["id"] as? String)?.lowercased() == id)
            // Staff do not start portal conversations.
            try await api.send(.POST, "/v1/conversations", token: annToken, json: #"{"text":"hi"}"#).expectProblem(403, "forbidden")

            for live in [annLive, bobLive, ownerLive, customerLive] { await live.close() }
        }
    }

    @Test("a conversation of a contact with an owner is heard only by that owner; reassigning moves it, with conversation.assigned")
    func assignment() async throws {
        try await API.run { api in
            // setup: the customer's contact is owned by Ann
            let tenant = try await api.seed("assign", agents: ["Ann Agent", "Bob Agent"], customers: 1)
            let (ann, bob, customer) = (tenant.agents[0], tenant.agents[1], tenant.customers[0])
            let ownerToken = try await api.login(tenant, tenant.owner)
            let annToken = try await api.login(tenant, ann)
            let bobToken = try await api.login(tenant, bob)
            let customerToken = try await api.login(tenant, customer)
            let created = try await api.send(
                .POST, "/v1/contacts", token: ownerToken,
                json: #"{"name":"Known Customer","ownerId":"\#(ann.id)","customerUserId":"\#(customer.id)"}"#)
            try #require(created.status == 201, "\(created.body)")
            let annLive = try await api.listen(tenant, ann, token: annToken)
            let bobLive = try await api.listen(tenant, bob, token: bobToken)
            let ownerLive = try await api.listen(tenant, tenant.owner, token: ownerToken)

            // act
            let conversation = try await api.start(customerToken, text: "Ann, are you there?")
            let id = try #require(conversation["id"] as? String).lowercased()

            // check: only Ann hears it
            let heard = await API.event(annLive, "chat.message", conversation: id)
            #expect(heard != nil, "the assignee never got chat.message")
            #expect(CallsTests.uuid(heard?["assigneeId"]) == ann.id)
            #expect((heard?["contact"] as? [String: Any])?["id"] as? String == created.json["id"] as? String)
            try await api.settle(tenant, bob, bobLive)
            try await api.settle(tenant, tenant.owner, ownerLive)
            #expect(API.events(bobLive, "chat.message", conversation: id).isEmpty, "Bob heard Ann's conversation")
            #expect(API.events(ownerLive, "chat.message", conversation: id).isEmpty, "the owner heard Ann's conversation")
            #expect(CallsTests.uuid(try await api.get(ownerToken, id)["assigneeId"]) == ann.id)

            // act: the owner hands it to Bob
            let moved = try await api.send(.PATCH, "/v1/conversations/\(id)", token: ownerToken, json: #"{"assigneeId":"\#(bob.id)"}"#)
            try #require(moved.status == 200, "\(moved.status) \(moved.body)")
            #expect(CallsTests.uuid(moved.json["assigneeId"]) == bob.id)
            let assigned = await API.event(bobLive, "conversation.assigned", conversation: id)
            #expect(assigned != nil, "the new assignee never got conversation.assigned: \(bobLive.events.map(\.type))")
            #expect(CallsTests.uuid((assigned?["conversation"] as? [String: Any])?["assigneeId"]) == bob.id)
            #expect(CallsTests.uuid(assigned?["previousAssigneeId"]) == ann.id)
            #expect(CallsTests.uuid(assigned?["assignedBy"]) == tenant.owner.id)
            #expect(await API.event(annLive, "conversation.assigned", conversation: id) != nil, "the previous assignee was not told")

            // check: the customer's next message reaches Bob only
            let next = try await api.post(customerToken, id, "Hello again")
            let nextID = try #require(next["id"] as? String)
            #expect(await API.chatMessage(bobLive, conversation: id, message: nextID) != nil, "Bob never got the message")
            try await api.settle(tenant, ann, annLive)
            #expect(API.events(annLive, "chat.message", conversation: id).count == 1, "Ann still hears the conversation after it moved")

            // Refused assignees.
            for body in [#"{"assigneeId":"\#(UUID())"}"#, #"{"assigneeId":"\#(customer.id)"}"#, #"{"assigneeId":"nope"}"#] {
                let refused = try await api.send(.PATCH, "/v1/conversations/\(id)", token: ownerToken, json: body)
                if body.contains("nope") {
                    #expect(refused.status == 400 || refused.status == 422, "\(body): \(refused.status) \(refused.body)")
                } else {
                    let problem = refused.expectProblem(422, "validation-failed")
                    #expect(ContactsAPI.pointers(problem).contains("/assigneeId"), "\(body): \(refused.body)")
                }
            }
            try await api.send(.PATCH, "/v1/conversations/\(id)", token: ownerToken, json: "{}").expectProblem(422, "validation-failed")
            try await api.send(.PATCH, "/v1/conversations/\(id)", token: ownerToken, json: #"{"status":"resolved"}"#)
                .expectProblem(422, "validation-failed")
            try await api.send(.PATCH, "/v1/conversations/\(id)", token: customerToken, json: #"{"assigneeId":null}"#)
                .expectProblem(403, "forbidden")
            #expect(CallsTests.uuid(try await api.get(ownerToken, id)["assigneeId"]) == bob.id, "a refused PATCH changed the assignee")

            // Unassigning: every staff member is told, and hears the conversation again.
            let unassigned = try await api.send(.PATCH, "/v1/conversations/\(id)", token: bobToken, json: #"{"assigneeId":null}"#)
            try #require(unassigned.status == 200, "\(unassigned.body)")
            #expect(API.isNull(unassigned.json["assigneeId"]))
            #expect(await API.event(ownerLive, "conversation.assigned", conversation: id) != nil, "unassigning was not announced to staff")
            let last = try await api.post(customerToken, id, "Anyone?")
            let lastID = try #require(last["id"] as? String)
            for live in [annLive, bobLive, ownerLive] {
                #expect(
                    await API.chatMessage(live, conversation: id, message: lastID) != nil, "an unassigned message missed a staff member")
            }

            for live in [annLive, bobLive, ownerLive] { await live.close() }
        }
    }

    @Test("reading: unreadCount per reader, the unread filter and chat.read to the other side")
    func readMarks() async throws {
        try await API.run { api in
            let tenant = try await api.seed("reads", agents: ["Ann Agent", "Bob Agent"], customers: 1)
            let (ann, bob, customer) = (tenant.agents[0], tenant.agents[1], tenant.customers[0])
            let annToken = try await api.login(tenant, ann)
            let bobToken = try await api.login(tenant, bob)
            let customerToken = try await api.login(tenant, customer)
            let annLive = try await api.listen(tenant, ann, token: annToken)
            let customerLive = try await api.listen(tenant, customer, token: customerToken)

            let id = try await api.startID(customerToken, text: "one").lowercased()
            let second = try await api.post(customerToken, id, "two")
            #expect(try await api.get(annToken, id)["unreadCount"] as? Int == 2)
            #expect(try await api.listIDs(annToken, [("unread", "true")]).map { $0.lowercased() } == [id])

            // act: Ann reads
            let read = try await api.send(.POST, "/v1/conversations/\(id)/read", token: annToken)
            try #require(read.status == 200, "\(read.status) \(read.body)")
            #expect(read.json["unreadCount"] as? Int == 0, "\(read.body)")

            // check: the customer gets a read receipt up to the newest message; Bob's count is his own
            let receipt = await API.event(customerLive, "chat.read", conversation: id)
            #expect(receipt != nil, "the customer never got chat.read: \(customerLive.events.map(\.type))")
            #expect(CallsTests.uuid(receipt?["userId"]) == ann.id)
            #expect(receipt?["lastReadMessageId"] as? String == second["id"] as? String)
            #expect(receipt?["role"] as? String == "agent")
            #expect(try await api.listIDs(annToken, [("unread", "true")]).isEmpty)
            #expect(try await api.listIDs(annToken, [("unread", "false")]).map { $0.lowercased() } == [id])
            #expect(try await api.get(bobToken, id)["unreadCount"] as? Int == 2, "Ann's read mark changed Bob's count")
            #expect(try await api.listIDs(bobToken, [("unread", "true")]).map { $0.lowercased() } == [id])
            // Staff's own replies are not unread for staff.
            try await api.post(annToken, id, "Hi!")
            #expect(try await api.get(annToken, id)["unreadCount"] as? Int == 0)
            #expect(try await api.get(customerToken, id)["unreadCount"] as? Int == 1)
            #expect(try await api.listIDs(customerToken, [("unread", "true")]).map { $0.lowercased() } == [id])

            // The customer reads: staff get chat.read with the customer's role.
            let customerRead = try await api.send(.POST, "/v1/conversations/\(id)/read", token: customerToken)
            #expect(customerRead.status == 200)
            #expect(customerRead.json["unreadCount"] as? Int == 0)
            #expect(API.isNull(customerRead.json["contact"]))
            let staffReceipt = await API.event(annLive, "chat.read", conversation: id) { $0["role"] as? String == "customer" }
            #expect(CallsTests.uuid(staffReceipt?["userId"]) == customer.id, "staff never got the customer's chat.read")
            // A new message is unread again.
            try await api.post(customerToken, id, "three")
            #expect(try await api.get(annToken, id)["unreadCount"] as? Int == 1)
            try await api.send(.GET, "/v1/conversations?unread=maybe", token: annToken).expectProblem(422, "validation-failed")

            await annLive.close()
            await customerLive.close()
        }
    }

    @Test("the inbox filters by channel, status, assignee, contact and unread, newest first, in cursor pages")
    func listFiltersAndPages() async throws {
        try await API.run { api in
            // setup: three customers' conversations: Ann's (open), Bob's (resolved), unassigned (open)
            let tenant = try await api.seed("inbox", agents: ["Ann Agent", "Bob Agent"], customers: 3)
            let (ann, bob) = (tenant.agents[0], tenant.agents[1])
            let ownerToken = try await api.login(tenant, tenant.owner)
            let annToken = try await api.login(tenant, ann)
            var ids: [String] = []
            var customerTokens: [String] = []
            for customer in tenant.customers {
                let token = try await api.login(tenant, customer)
                customerTokens.append(token)
                ids.append(try await api.startID(token, text: "from \(customer.name)").lowercased())
                try await Task.sleep(for: .milliseconds(5))
            }
            let (annsID, bobsID, freeID) = (ids[0], ids[1], ids[2])
            #expect(
                try await api.send(.PATCH, "/v1/conversations/\(annsID)", token: ownerToken, json: #"{"assigneeId":"\#(ann.id)"}"#).status
                    == 200)
            #expect(
                try await api.send(.PATCH, "/v1/conversations/\(bobsID)", token: ownerToken, json: #"{"assigneeId":"\#(bob.id)"}"#).status
                    == 200)
            let resolved = try await api.send(.POST, "/v1/conversations/\(bobsID)/resolve", token: ownerToken)
            #expect(resolved.status == 200 && resolved.json["status"] as? String == "resolved", "\(resolved.body)")
            let annsContact = try #require((try await api.get(ownerToken, annsID)["contact"] as? [String: Any])?["id"] as? String)

            func list(_ token: String, _ query: [(String, String)]) async throws -> [String] {
                try await api.listIDs(token, query).map { $0.lowercased() }
            }
            // check: newest message first
            #expect(try await list(ownerToken, []) == [freeID, bobsID, annsID])
            #expect(try await list(ownerToken, [("status", "open")]) == [freeID, annsID])
            #expect(try await list(ownerToken, [("status", "resolved")]) == [bobsID])
            #expect(try await list(annToken, [("assignee", "me")]) == [annsID])
            #expect(try await list(ownerToken, [("assignee", "me")]) == [])
            #expect(try await list(ownerToken, [("assignee", "none")]) == [freeID])
            #expect(try await list(ownerToken, [("assignee", bob.id.uuidString)]) == [bobsID])
            #expect(try await list(ownerToken, [("channel", "portal")]) == [freeID, bobsID, annsID])
            #expect(try await list(ownerToken, [("channel", "whatsapp")]) == [])
            #expect(try await list(ownerToken, [("contact", annsContact)]) == [annsID])
            #expect(try await list(ownerToken, [("contact", UUID().uuidString)]) == [])
            #expect(try await list(ownerToken, [("status", "open"), ("assignee", "none"), ("unread", "true")]) == [freeID])
            // A new message moves a conversation to the top.
            try await api.post(customerTokens[0], annsID, "bump")
            #expect(try await list(ownerToken, []) == [annsID, freeID, bobsID], "a new message did not move the conversation up")
            #expect(try await list(ownerToken, [("status", "resolved")]) == [bobsID])

            // Cursor pages of one, then two, walk the same order.
            for size in [1, 2] {
                var walked: [String] = []
                var cursor: String?
                var pages = 0
                repeat {
                    let page = try await api.page(ownerToken, [("limit", "\(size)")] + (cursor.map { [("cursor", $0)] } ?? []))
                    walked += ContactsAPI.ids(page.items).map { $0.lowercased() }
                    cursor = page.next
                    pages += 1
                    #expect(page.items.count <= size)
                } while cursor != nil && pages < 10
                #expect(walked == [annsID, freeID, bobsID], "pages of \(size): \(walked)")
                #expect(pages == (size == 1 ? 3 : 2), "pages of \(size): \(pages) (an empty last page?)")
            }

            // Message pages: newest first, with cursors.
            for n in 1...4 { try await api.post(annToken, annsID, "reply \(n)") }
            var bodies: [String] = []
            var cursor: String?
            repeat {
                let reply = try await api.send(
                    .GET, "/v1/conversations/\(annsID)/messages?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: annToken)
                try #require(reply.status == 200, "\(reply.body)")
                bodies += ((reply.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["body"] as? String }
                cursor = reply.json["nextCursor"] as? String
            } while cursor != nil && bodies.count < 20
            #expect(bodies == ["reply 4", "reply 3", "reply 2", "reply 1", "bump", "from \(tenant.customers[0].name)"])

            // Bad queries.
            for query in ["channel=sms", "status=closed", "assignee=bob", "contact=nope", "unread=1", "limit=0", "cursor=%25%25%25"] {
                let refused = try await api.send(.GET, "/v1/conversations?\(query)", token: ownerToken)
                refused.expectProblem(422, "validation-failed")
            }
            try await api.send(.GET, "/v1/conversations/\(annsID)/messages?cursor=bm9wZQ", token: ownerToken).expectProblem(
                422, "validation-failed")
            // Customers list only their own and cannot filter by staff fields.
            #expect(try await list(customerTokens[1], []) == [bobsID])
            try await api.send(.GET, "/v1/conversations?assignee=me", token: customerTokens[1]).expectProblem(403, "forbidden")
            try await api.send(.GET, "/v1/conversations?contact=\(annsContact)", token: customerTokens[1]).expectProblem(403, "forbidden")
        }
    }

    @Test("resolve and reopen are announced to staff and the customer; a customer's message reopens; customers cannot resolve")
    func resolveAndReopen() async throws {
        try await API.run { api in
            let tenant = try await api.seed("resolve", agents: ["Ann Agent"], customers: 1)
            let (ann, customer) = (tenant.agents[0], tenant.customers[0])
            let annToken = try await api.login(tenant, ann)
            let customerToken = try await api.login(tenant, customer)
            let annLive = try await api.listen(tenant, ann, token: annToken)
            let customerLive = try await api.listen(tenant, customer, token: customerToken)
            let id = try await api.startID(customerToken).lowercased()

            // act: Ann resolves
            let resolved = try await api.send(.POST, "/v1/conversations/\(id)/resolve", token: annToken)
            try #require(resolved.status == 200, "\(resolved.body)")
            #expect(resolved.json["status"] as? String == "resolved")
            #expect(resolved.json["resolvedAt"] is String)
            for (label, live) in [("Ann", annLive), ("customer", customerLive)] {
                let event = await API.event(live, "conversation.resolved", conversation: id)
                #expect(event != nil, "\(label) never got conversation.resolved: \(live.events.map(\.type))")
                #expect((event?["conversation"] as? [String: Any])?["status"] as? String == "resolved")
                #expect(CallsTests.uuid(event?["by"]) == ann.id)
            }
            let customerCopy = await API.event(customerLive, "conversation.resolved", conversation: id)
            #expect(API.isNull((customerCopy?["conversation"] as? [String: Any])?["contact"]), "the customer's copy names the contact")
            // Resolving again changes nothing.
            let again = try await api.send(.POST, "/v1/conversations/\(id)/resolve", token: annToken)
            #expect(again.status == 200 && again.json["resolvedAt"] as? String == resolved.json["resolvedAt"] as? String, "\(again.body)")

            // act: reopen, resolve, and let the customer write
            let reopened = try await api.send(.POST, "/v1/conversations/\(id)/reopen", token: annToken)
            #expect(reopened.status == 200 && reopened.json["status"] as? String == "open", "\(reopened.body)")
            #expect(API.isNull(reopened.json["resolvedAt"]))
            #expect(await API.event(annLive, "conversation.reopened", conversation: id) != nil, "no conversation.reopened")
            #expect(try await api.send(.POST, "/v1/conversations/\(id)/resolve", token: annToken).status == 200)
            _ = await API.event(annLive, "conversation.resolved", conversation: id, count: 2)
            try await api.post(customerToken, id, "Actually, one more thing")

            // check: reopened by the message, announced
            let view = try await api.get(annToken, id)
            #expect(view["status"] as? String == "open", "a customer's message did not reopen: \(view)")
            #expect(API.isNull(view["resolvedAt"]))
            let byMessage = await API.event(annLive, "conversation.reopened", conversation: id, count: 2)
            #expect(byMessage != nil, "reopening by a message was not announced: \(annLive.events.map(\.type))")
            #expect(CallsTests.uuid(byMessage?["by"]) == customer.id)
            #expect(await API.event(customerLive, "conversation.reopened", conversation: id, count: 2) != nil)

            // Customers cannot change status or assignment.
            try await api.send(.POST, "/v1/conversations/\(id)/resolve", token: customerToken).expectProblem(403, "forbidden")
            try await api.send(.POST, "/v1/conversations/\(id)/reopen", token: customerToken).expectProblem(403, "forbidden")
            try await api.send(.POST, "/v1/conversations/\(UUID())/resolve", token: annToken).expectProblem(404, "not-found")

            await annLive.close()
            await customerLive.close()
        }
    }

    @Test("Idempotency-Key: the same message again is replayed, a different one is refused, and racing copies make one message")
    func idempotentPosts() async throws {
        try await API.run { api in
            let tenant = try await api.seed("idem", agents: ["Ann Agent"], customers: 1)
            let (ann, customer) = (tenant.agents[0], tenant.customers[0])
            let annToken = try await api.login(tenant, ann)
            let customerToken = try await api.login(tenant, customer)
            let id = try await api.startID(customerToken, text: nil).lowercased()
            let path = "/v1/conversations/\(id)/messages"

            // act
            let first = try await api.send(
                .POST, path, token: customerToken, json: #"{"text":"pay me back"}"#, headers: [("Idempotency-Key", "k-1")])
            let second = try await api.send(
                .POST, path, token: customerToken, json: #"{"text":"pay me back"}"#, headers: [("Idempotency-Key", "k-1")])

            // check
            #expect(first.status == 201, "\(first.body)")
            #expect(first.headers.first(name: "idempotent-replayed") == nil)
            #expect(second.status == 201, "\(second.body)")
            #expect(second.headers.first(name: "idempotent-replayed") == "true")
            #expect(second.json["id"] as? String == first.json["id"] as? String)
            try await api.send(
                .POST, path, token: customerToken, json: #"{"text":"something else"}"#, headers: [("Idempotency-Key", "k-1")]
            )
            .expectProblem(422, "idempotency-key-reused")
            // Keys belong to their author: Ann's k-1 is a new message.
            let anns = try await api.send(
                .POST, path, token: annToken, json: #"{"text":"pay me back"}"#, headers: [("Idempotency-Key", "k-1")])
            #expect(anns.status == 201 && anns.headers.first(name: "idempotent-replayed") == nil, "\(anns.body)")
            #expect(anns.json["id"] as? String != first.json["id"] as? String)
            // Eight copies at once: one message.
            let replies = try await withThrowingTaskGroup(of: CallAPI.Reply.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await api.send(
                            .POST, path, token: customerToken, json: #"{"text":"racing"}"#, headers: [("Idempotency-Key", "k-race")])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == 201 }, "\(replies.map { "\($0.status) \($0.body)" })")
            #expect(Set(replies.compactMap { $0.json["id"] as? String }).count == 1, "racing copies made several messages")
            #expect(replies.filter { $0.headers.first(name: "idempotent-replayed") == nil }.count == 1)
            let bodies = try await api.messages(annToken, id).compactMap { $0["body"] as? String }
            #expect(bodies == ["racing", "pay me back", "pay me back"], "\(bodies)")
            try await api.send(.POST, path, token: customerToken, json: #"{"text":"x"}"#, headers: [("Idempotency-Key", "has space")])
                .expectProblem(422, "validation-failed")
        }
    }

    @Test("message validation: blank, too long, text and template together, nothing, and templates on portal chat")
    func messageValidation() async throws {
        try await API.run { api in
            let tenant = try await api.seed("valid", agents: ["Ann Agent"], customers: 1)
            let annToken = try await api.login(tenant, tenant.agents[0])
            let customerToken = try await api.login(tenant, tenant.customers[0])
            let id = try await api.startID(customerToken, text: nil).lowercased()
            let path = "/v1/conversations/\(id)/messages"
            let template = #"{"name":"order_update","language":"en_US","parameters":["42"]}"#

            func refused(_ token: String, _ body: String, _ pointer: String, sourceLocation: SourceLocation = #_sourceLocation) async throws
            {
                let reply = try await api.send(.POST, path, token: token, json: body)
                let problem = reply.expectProblem(422, "validation-failed", sourceLocation: sourceLocation)
                #expect(
                    ContactsAPI.pointers(problem).contains(pointer), "\(body.prefix(80)): \(reply.body)", sourceLocation: sourceLocation)
            }
            try await refused(customerToken, #"{"text":"   \n "}"#, "/text")
            try await refused(customerToken, #"{"text":""}"#, "/text")
            try await refused(customerToken, ContactsAPI.json(["text": String(repeating: "a", count: 4097)]), "/text")
            try await refused(annToken, #"{"text":"hi","template":\#(template)}"#, "/template")
            try await refused(annToken, "{}", "/text")
            try await refused(annToken, #"{"template":\#(template)}"#, "/template")
            try await refused(annToken, #"{"template":{"name":"Bad Name!","language":"en","parameters":[]}}"#, "/template/name")
            let malformed = try await api.send(.POST, path, token: customerToken, json: #"{"text":"#)
            #expect(malformed.status == 400, "malformed JSON: \(malformed.status) \(malformed.body)")
            let wrongType = try await api.send(.POST, path, token: customerToken, json: #"{"text":42}"#)
            #expect(wrongType.status == 400 || wrongType.status == 422, "text as a number: \(wrongType.status) \(wrongType.body)")
            try await api.send(.POST, "/v1/conversations", token: customerToken, json: #"{"text":"  "}"#).expectProblem(
                422, "validation-failed")
            #expect(try await api.messages(annToken, id).isEmpty, "a refused message was stored")

            // The limit itself is accepted, counted in characters.
            let longest = try await api.post(customerToken, id, String(repeating: "é", count: 4096))
            #expect((longest["body"] as? String)?.count == 4096)
        }
    }

    @Test("customers see only their own conversation; agents limited to their own contacts see their own and the unassigned")
    func visibility() async throws {
        try await API.run { api in
            let tenant = try await api.seed("visible", agents: ["Ann Agent", "Bob Agent"], customers: 3)
            let (ann, bob) = (tenant.agents[0], tenant.agents[1])
            let ownerToken = try await api.login(tenant, tenant.owner)
            let annToken = try await api.login(tenant, ann)
            var tokens: [String] = []
            var ids: [String] = []
            for customer in tenant.customers {
                let token = try await api.login(tenant, customer)
                tokens.append(token)
                ids.append(try await api.startID(token, text: "hi from \(customer.name)").lowercased())
            }
            let (annsID, bobsID, freeID) = (ids[0], ids[1], ids[2])
            #expect(
                try await api.send(.PATCH, "/v1/conversations/\(annsID)", token: ownerToken, json: #"{"assigneeId":"\#(ann.id)"}"#).status
                    == 200)
            #expect(
                try await api.send(.PATCH, "/v1/conversations/\(bobsID)", token: ownerToken, json: #"{"assigneeId":"\#(bob.id)"}"#).status
                    == 200)

            // Customers: another customer's conversation does not exist for them.
            for (method, suffix, body) in [
                (HTTPMethod.GET, "", nil as String?), (.GET, "/messages", nil), (.POST, "/messages", #"{"text":"peek"}"#),
                (.POST, "/read", nil),
            ] {
                try await api.send(method, "/v1/conversations/\(annsID)\(suffix)", token: tokens[1], json: body).expectProblem(
                    404, "not-found")
            }
            #expect(try await api.listIDs(tokens[1]).map { $0.lowercased() } == [bobsID])

            // Without the setting, agents see everything.
            #expect(Set(try await api.listIDs(annToken).map { $0.lowercased() }) == Set(ids))
            #expect(try await api.send(.GET, "/v1/conversations/\(bobsID)", token: annToken).status == 200)

            // act
            let settings = try await api.send(.PATCH, "/v1/settings", token: ownerToken, json: #"{"contacts":{"agentsSeeOnlyOwn":true}}"#)
            try #require(settings.status == 200, "\(settings.body)")

            // check
            #expect(Set(try await api.listIDs(annToken).map { $0.lowercased() }) == [annsID, freeID])
            #expect(try await api.listIDs(annToken, [("assignee", bob.id.uuidString)]).isEmpty)
            for (method, suffix, body) in [
                (HTTPMethod.GET, "", nil as String?), (.GET, "/messages", nil), (.POST, "/messages", #"{"text":"peek"}"#),
                (.POST, "/read", nil),
                (.PATCH, "", #"{"assigneeId":"\#(ann.id)"}"#), (.POST, "/resolve", nil),
            ] {
                try await api.send(method, "/v1/conversations/\(bobsID)\(suffix)", token: annToken, json: body).expectProblem(
                    404, "not-found")
            }
            #expect(try await api.send(.GET, "/v1/conversations/\(freeID)", token: annToken).status == 200)
            #expect(Set(try await api.listIDs(ownerToken).map { $0.lowercased() }) == Set(ids), "the owner is not limited")
            #expect(
                CallsTests.uuid(try await api.get(ownerToken, bobsID)["assigneeId"]) == bob.id, "a refused PATCH took Bob's conversation")
        }
    }

    @Test("another tenant cannot read, write, assign or mark a conversation, nor list it or hear its events")
    func crossTenantIsolation() async throws {
        try await API.run { api in
            let tenant = try await api.seed("home", agents: ["Ann Agent"], customers: 1)
            let other = try await api.seed("away", agents: ["Eve Agent"], customers: 1)
            let customerToken = try await api.login(tenant, tenant.customers[0])
            let ownerToken = try await api.login(tenant, tenant.owner)
            let otherOwnerToken = try await api.login(other, other.owner)
            let otherCustomerToken = try await api.login(other, other.customers[0])
            let otherLive = try await api.listen(other, other.owner, token: otherOwnerToken)
            let id = try await api.startID(customerToken, text: "secret").lowercased()
            let contactID = try #require((try await api.get(ownerToken, id)["contact"] as? [String: Any])?["id"] as? String)

            for token in [otherOwnerToken, otherCustomerToken] {
                for (method, suffix, body) in [
                    (HTTPMethod.GET, "", nil as String?), (.GET, "/messages", nil), (.POST, "/messages", #"{"text":"intrude"}"#),
                    (.POST, "/read", nil), (.PATCH, "", #"{"assigneeId":null}"#), (.POST, "/resolve", nil), (.POST, "/reopen", nil),
                ] {
                    let reply = try await api.send(method, "/v1/conversations/\(id)\(suffix)", token: token, json: body)
                    if token == otherCustomerToken, method == .PATCH || suffix == "/resolve" || suffix == "/reopen" {
                        reply.expectProblem(403, "forbidden")
                    } else {
                        reply.expectProblem(404, "not-found")
                    }
                }
            }
            #expect(try await api.listIDs(otherOwnerToken).isEmpty)
            #expect(try await api.listIDs(otherOwnerToken, [("contact", contactID)]).isEmpty)
            try await api.send(.GET, "/v1/contacts/\(contactID)/timeline", token: otherOwnerToken).expectProblem(404, "not-found")
            try await api.send(
                .POST, "/v1/contacts/\(contactID)/whatsapp", token: otherOwnerToken, json: #"{"template":{"name":"hello","language":"en"}}"#
            )
            .expectProblem(404, "not-found")

            // Nothing reached the other tenant, and the conversation is untouched.
            try await api.post(customerToken, id, "more secrets")
            try await api.settle(other, other.owner, otherLive)
            #expect(!otherLive.events.contains { API.conversationID(of: $0) == id }, "another tenant heard the conversation")
            let thread = try await api.messages(ownerToken, id)
            #expect(thread.compactMap { $0["body"] as? String } == ["more secrets", "secret"])
            #expect(try await api.get(ownerToken, id)["status"] as? String == "open")
            await otherLive.close()
        }
    }

    @Test("every message of a conversation lands on its contact's timeline")
    func contactTimeline() async throws {
        try await API.run { api in
            let tenant = try await api.seed("timeline", agents: ["Ann Agent"], customers: 1)
            let annToken = try await api.login(tenant, tenant.agents[0])
            let customerToken = try await api.login(tenant, tenant.customers[0])
            let id = try await api.startID(customerToken, text: "question").lowercased()
            let answer = try await api.post(annToken, id, "answer")
            let contactID = try #require((try await api.get(annToken, id)["contact"] as? [String: Any])?["id"] as? String)

            let reply = try await api.send(.GET, "/v1/contacts/\(contactID)/timeline", token: annToken)
            try #require(reply.status == 200, "\(reply.body)")
            let entries = ((reply.json["items"] as? [[String: Any]]) ?? []).filter { $0["kind"] as? String == "message" }
            #expect(entries.count == 2, "\(reply.body)")
            let newest = (entries.first?["data"] as? [String: Any]) ?? [:]
            #expect((newest["conversationId"] as? String)?.lowercased() == id)
            #expect(newest["messageId"] as? String == answer["id"] as? String)
            #expect(newest["channel"] as? String == "portal")
            #expect(newest["direction"] as? String == "outbound")
            #expect(newest["preview"] as? String == "answer")
            #expect(((entries.last?["data"] as? [String: Any])?["direction"]) as? String == "inbound")
            #expect(try await api.listIDs(annToken, [("contact", contactID)]).map { $0.lowercased() } == [id])
        }
    }
}
