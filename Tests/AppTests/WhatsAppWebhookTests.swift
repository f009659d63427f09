import Accounts
import Foundation
import NIOHTTP1
import Persistence
import PostgresNIO
import Testing

/// WhatsApp inbound end to end: the real application, the tenant's webhook URL as its
/// settings show it, bodies and signatures exactly as PROVIDERS.md §1.3–1.5 give
/// them, and the effects read back through the API, real sockets and the database.
@Suite("WhatsApp webhooks", .serialized)
struct WhatsAppWebhookTests {
    typealias API = InboxAPI
    typealias Bodies = WhatsAppWebhookBodies

    /// The Graph stand-in and the application, with one tenant (owner, agent Ann)
    /// whose WhatsApp number points at the stand-in.
    static func withWhatsApp(
        _ slug: String, appSecret: String? = nil,
        _ body: @escaping @Sendable (API, GraphStandIn, Setup) async throws -> Void
    ) async throws {
        try await GraphStandIn().run { standIn in
            try await API.run { api in
                let setup = try await Setup.make(api, standIn, slug, appSecret: appSecret)
                try await body(api, standIn, setup)
            }
        }
    }

    struct Setup: Sendable {
        let tenant: API.Tenant
        let ownerToken: String
        let agentToken: String
        let number: WhatsAppNumber
        var agent: API.Person { tenant.agents[0] }

        static func make(
            _ api: API, _ standIn: GraphStandIn, _ slug: String, phoneNumberID: String = "106540352242922", appSecret: String? = nil
        ) async throws -> Setup {
            let tenant = try await api.seed(slug, agents: ["Ann Agent"], customers: 0)
            let ownerToken = try await api.login(tenant, tenant.owner)
            let number = try await api.configureWhatsApp(
                tenant, ownerToken: ownerToken, baseURL: standIn.baseURL, phoneNumberID: phoneNumberID, appSecret: appSecret)
            standIn.register(phoneNumberID: number.phoneNumberID, accessToken: number.accessToken)
            return Setup(tenant: tenant, ownerToken: ownerToken, agentToken: try await api.login(tenant, tenant.agents[0]), number: number)
        }
    }

    @Test("the verify handshake echoes the challenge as plain text for the tenant's verify token only")
    func verifyHandshake() async throws {
        try await Self.withWhatsApp("verify") { api, standIn, setup in
            let url = api.base + setup.number.webhookPath
            // act + check: Meta's subscription check
            let accepted = try await standIn.verifyWebhook(url: url, token: setup.number.verifyToken, challenge: "1158201444")
            #expect(accepted.status == 200, "\(accepted)")
            #expect(accepted.body == "1158201444")
            let raw = try await api.send(
                .GET, setup.number.webhookPath + "?hub.mode=subscribe&hub.verify_token=\(setup.number.verifyToken)&hub.challenge=abc-XYZ_1")
            #expect(raw.status == 200 && raw.body == "abc-XYZ_1", "\(raw.status) \(raw.body)")
            #expect(raw.headers.first(name: "content-type")?.hasPrefix("text/plain") == true, "\(raw.headers)")

            // Refusals.
            let other = try await api.seed("verify-other", agents: [], customers: 0)
            let otherToken = try await api.login(other, other.owner)
            let otherSettings = try await api.send(.GET, "/v1/settings", token: otherToken)
            let otherPath = try #require(
                ((otherSettings.json["integrations"] as? [String: Any])?["whatsapp"] as? [String: Any])?["webhookPath"] as? String,
                "an unconfigured tenant has a webhook path too: \(otherSettings.body)")
            #expect(otherPath != setup.number.webhookPath)
            let unknownKey = (0..<64).map { _ in String("0123456789abcdef".randomElement()!) }.joined()
            for (label, target, token, mode) in [
                ("wrong token", url, "not-the-token", "subscribe"),
                ("token of another case", url, setup.number.verifyToken.uppercased(), "subscribe"),
                ("mode unsubscribe", url, setup.number.verifyToken, "unsubscribe"),
                ("unknown key", api.base + "/v1/webhooks/whatsapp/\(unknownKey)", setup.number.verifyToken, "subscribe"),
                ("malformed key", api.base + "/v1/webhooks/whatsapp/not-a-key", setup.number.verifyToken, "subscribe"),
                ("tenant without a verify token", api.base + otherPath, setup.number.verifyToken, "subscribe"),
                ("tenant without a verify token, empty token", api.base + otherPath, "", "subscribe"),
            ] {
                let refused = try await standIn.verifyWebhook(url: target, token: token, challenge: "1158201444", mode: mode)
                #expect(refused.status == 403, "\(label): \(refused.status) \(refused.body)")
                #expect(!refused.body.contains("1158201444") || refused.body.contains("problem"), "\(label) echoed the challenge")
            }
            let noChallenge = try await api.send(
                .GET, setup.number.webhookPath + "?hub.mode=subscribe&hub.verify_token=\(setup.number.verifyToken)")
            #expect(noChallenge.status == 403, "no challenge: \(noChallenge.status) \(noChallenge.body)")
        }
    }

    @Test("a signed inbound message makes the contact (E.164, source whatsapp), the conversation and chat.message on an agent's socket")
    func inboundMessage() async throws {
        try await Self.withWhatsApp("inbound") { api, _, setup in
            // setup
            let live = try await api.listen(setup.tenant, setup.agent, token: setup.agentToken)
            let body = Bodies.text(
                phoneNumberID: setup.number.phoneNumberID, from: "919812345678", name: "Asha", wamid: "wamid.HBgMOTE5inbound1",
                body: "hello")

            // act
            let started = ContinuousClock.now
            let reply = try await api.deliver(body, to: setup.number.webhookPath, appSecret: setup.number.appSecret)

            // check: acknowledged at once, then processed
            #expect(reply.status == 200, "\(reply.status) \(reply.body)")
            let event = try #require(
                await API.eventAny(live, "chat.message") {
                    ($0["message"] as? [String: Any])?["providerMessageId"] as? String == "wamid.HBgMOTE5inbound1"
                },
                "no chat.message on the agent's socket: \(live.events.map(\.type))")
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(event["channel"] as? String == "whatsapp")
            let message = (event["message"] as? [String: Any]) ?? [:]
            #expect(message["body"] as? String == "hello")
            #expect(message["direction"] as? String == "inbound")
            #expect(API.isNull(message["authorId"]))
            #expect(message["type"] as? String == "text")
            let party = try #require(event["contact"] as? [String: Any], "chat.message has no contact: \(event)")
            #expect(party["phone"] as? String == "+919812345678")
            #expect(party["name"] as? String == "Asha")
            let conversationID = try #require(event["conversationId"] as? String)

            let contact = try await api.send(.GET, "/v1/contacts/\(party["id"] as? String ?? "")", token: setup.ownerToken)
            #expect(contact.status == 200, "\(contact.body)")
            #expect(contact.json["phone"] as? String == "+919812345678")
            #expect(contact.json["source"] as? String == "whatsapp")
            #expect(contact.json["name"] as? String == "Asha")
            let conversation = try await api.get(setup.agentToken, conversationID)
            #expect(conversation["channel"] as? String == "whatsapp")
            #expect(conversation["status"] as? String == "open")
            #expect(API.isNull(conversation["customer"]))
            #expect(conversation["lastMessagePreview"] as? String == "hello")
            #expect(conversation["unreadCount"] as? Int == 1)
            let window = (conversation["window"] as? [String: Any]) ?? [:]
            #expect(window["open"] as? Bool == true, "a customer who just wrote has an open window: \(conversation)")
            #expect(CallsTests.date(window["expiresAt"]).map { abs($0.timeIntervalSinceNow - 86_400) < 120 } == true, "\(window)")
            #expect(
                try await api.listIDs(setup.agentToken, [("channel", "whatsapp")]).map { $0.lowercased() } == [conversationID.lowercased()])
            let thread = try await api.messages(setup.agentToken, conversationID)
            #expect(thread.count == 1 && thread.first?["providerMessageId"] as? String == "wamid.HBgMOTE5inbound1", "\(thread)")
            try await api.eventually("the delivery is marked processed") {
                try await api.count("whatsapp_deliveries", in: setup.tenant, where: "processed_at IS NOT NULL AND last_error IS NULL") == 1
            }
            let timeline = try await api.send(.GET, "/v1/contacts/\(party["id"] as? String ?? "")/timeline", token: setup.ownerToken)
            let entries = ((timeline.json["items"] as? [[String: Any]]) ?? []).filter { $0["kind"] as? String == "message" }
            #expect((entries.first?["data"] as? [String: Any])?["channel"] as? String == "whatsapp", "\(timeline.body)")

            // A second message from the same number joins the same conversation and contact.
            let second = Bodies.text(
                phoneNumberID: setup.number.phoneNumberID, from: "919812345678", name: "Asha", wamid: "wamid.HBgMOTE5inbound2",
                body: "again")
            #expect(try await api.deliver(second, to: setup.number.webhookPath, appSecret: setup.number.appSecret).status == 200)
            try await api.eventually("the second message is stored") { try await api.messages(setup.agentToken, conversationID).count == 2 }
            #expect(try await api.count("contacts", in: setup.tenant, where: "phone = '+919812345678'") == 1)
            #expect(try await api.count("conversations", in: setup.tenant) == 1)

            // New WhatsApp contacts go through auto-assignment: the next number is Ann's, and so is its conversation.
            let settings = try await api.send(.PATCH, "/v1/settings", token: setup.ownerToken, json: #"{"contacts":{"autoAssign":true}}"#)
            try #require(settings.status == 200, "\(settings.body)")
            let assignedBody = Bodies.text(
                phoneNumberID: setup.number.phoneNumberID, from: "447700900123", name: "Bea", wamid: "wamid.HBgMNDQ3assigned",
                body: "hi Ann")
            #expect(try await api.deliver(assignedBody, to: setup.number.webhookPath, appSecret: setup.number.appSecret).status == 200)
            let assigned = try #require(
                await API.eventAny(live, "chat.message") {
                    ($0["message"] as? [String: Any])?["providerMessageId"] as? String == "wamid.HBgMNDQ3assigned"
                },
                "no chat.message for the auto-assigned contact")
            #expect(CallsTests.uuid(assigned["assigneeId"]) == setup.agent.id, "the new contact's conversation is not Ann's: \(assigned)")
            #expect(CallsTests.uuid((try await api.contact(phone: "+447700900123", token: setup.ownerToken))?["ownerId"]) == setup.agent.id)
            let assignedConversation = assigned["conversationId"] as? String
            #expect(
                await API.eventAny(live, "conversation.assigned") {
                    ($0["conversation"] as? [String: Any])?["id"] as? String == assignedConversation
                } != nil,
                "no conversation.assigned for the auto-assigned conversation")
            await live.close()
        }
    }

    @Test("PROVIDERS signature vectors are accepted as Meta would sign them")
    func signatureVectors() async throws {
        try await Self.withWhatsApp("vectors", appSecret: "my_app_secret") { api, _, setup in
            let empty = #"{"object":"whatsapp_business_account","entry":[]}"#
            let documented = "sha256=1e948187320e1d8a8ab09e20b7172f8fe97e79394c0980b59b485e00288e389d"
            #expect(Bodies.signature(empty, appSecret: "my_app_secret") == documented, "the tests' own HMAC disagrees with PROVIDERS.md")
            let reply = try await api.deliver(empty, to: setup.number.webhookPath, signature: documented)
            #expect(reply.status == 200, "the documented vector was refused: \(reply.status) \(reply.body)")
            // Hex is case-insensitive.
            let upper = "sha256=" + documented.dropFirst(7).uppercased()
            let again = #"{"object":"whatsapp_business_account","entry":[ ]}"#
            let upperReply = try await api.deliver(
                again, to: setup.number.webhookPath,
                signature: "sha256=" + Bodies.signature(again, appSecret: "my_app_secret").dropFirst(7).uppercased())
            #expect(upperReply.status == 200, "upper-case hex: \(upperReply.status) \(upperReply.body)")
            #expect(upper != documented)
            try await api.eventually("both deliveries are processed") {
                try await api.count("whatsapp_deliveries", in: setup.tenant, where: "processed_at IS NOT NULL") == 2
            }
            #expect(try await api.count("messages", in: setup.tenant) == 0)
        }
    }

    @Test("a forged, missing or malformed signature is refused with 401 and nothing is stored")
    func forgedSignatures() async throws {
        try await Self.withWhatsApp("forged") { api, _, setup in
            let body = Bodies.text(
                phoneNumberID: setup.number.phoneNumberID, from: "919812345678", wamid: "wamid.HBgMforged", body: "let me in")
            let good = Bodies.signature(body, appSecret: setup.number.appSecret)
            let hex = String(good.dropFirst(7))
            let forgeries: [(String, String?)] = [
                ("missing", nil),
                ("empty", ""),
                ("prefix only", "sha256="),
                ("zeros", "sha256=" + String(repeating: "0", count: 64)),
                ("another secret", Bodies.signature(body, appSecret: "app-secret-guess")),
                ("another body", Bodies.signature(body + " ", appSecret: setup.number.appSecret)),
                ("no prefix", hex),
                ("sha1 prefix", "sha1=" + hex),
                ("truncated", String(good.dropLast(2))),
                ("one digit changed", "sha256=" + String(hex.dropLast()) + (hex.last == "0" ? "1" : "0")),
                ("not hex", "sha256=" + String(repeating: "z", count: 64)),
            ]
            for (label, signature) in forgeries {
                let reply = try await api.deliver(body, to: setup.number.webhookPath, signature: signature)
                reply.expectProblem(401, "invalid-signature")
                #expect(reply.status == 401, "\(label): \(reply.status)")
            }
            // The right signature over a changed body is a forgery too.
            try await api.deliver(
                body.replacingOccurrences(of: "let me in", with: "let me IN"), to: setup.number.webhookPath, signature: good
            )
            .expectProblem(401, "invalid-signature")
            // An unknown key is not a webhook at all.
            let unknownKey = (0..<64).map { _ in String("0123456789abcdef".randomElement()!) }.joined()
            let unknown = try await api.deliver(body, to: "/v1/webhooks/whatsapp/\(unknownKey)", signature: good)
            #expect(
                unknown.status == 404 || unknown.status == 401 || unknown.status == 403, "unknown key: \(unknown.status) \(unknown.body)")

            // check: nothing stored, nothing processed
            try await Task.sleep(for: .seconds(3))
            #expect(try await api.count("whatsapp_deliveries", in: setup.tenant) == 0, "a forged delivery was stored")
            #expect(try await api.count("contacts", in: setup.tenant) == 0)
            #expect(try await api.count("messages", in: setup.tenant) == 0)
            #expect(try await api.listIDs(setup.ownerToken).isEmpty)

            // The genuine article goes through.
            #expect(try await api.deliver(body, to: setup.number.webhookPath, signature: good).status == 200)
            try await api.eventually("the genuine message is stored") { try await api.count("messages", in: setup.tenant) == 1 }
        }
    }

    @Test("the same webhook delivered three times at once, and the same message in another batch, make one message")
    func concurrentRedelivery() async throws {
        try await Self.withWhatsApp("dupes") { api, _, setup in
            let live = try await api.listen(setup.tenant, setup.agent, token: setup.agentToken)
            let body = Bodies.text(
                phoneNumberID: setup.number.phoneNumberID, from: "919812345678", wamid: "wamid.HBgMdupe1", body: "only once please")

            // act: three at once, over three connections
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 {
                    group.addTask { try await api.deliver(body, to: setup.number.webhookPath, appSecret: setup.number.appSecret).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            // check
            #expect(statuses == [200, 200, 200], "every copy must be acknowledged with 200: \(statuses)")
            let event = await API.eventAny(live, "chat.message") {
                ($0["message"] as? [String: Any])?["providerMessageId"] as? String == "wamid.HBgMdupe1"
            }
            let conversationID = try #require(event?["conversationId"] as? String, "no chat.message")
            try await api.eventually("every delivery is processed") {
                try await api.count("whatsapp_deliveries", in: setup.tenant, where: "processed_at IS NULL") == 0
            }
            // The same message again inside a different batch (other bytes), with a new one beside it.
            let batch = Bodies.envelope(
                phoneNumberID: setup.number.phoneNumberID,
                value:
                    #""contacts":[{"profile":{"name":"Asha"},"wa_id":"919812345678"}],"messages":[{"from":"919812345678","id":"wamid.HBgMdupe1","timestamp":"\#(Bodies.timestamp())","type":"text","text":{"body":"only once please"}},{"from":"919812345678","id":"wamid.HBgMdupe2","timestamp":"\#(Bodies.timestamp())","type":"text","text":{"body":"and this"}}]"#
            )
            #expect(try await api.deliver(batch, to: setup.number.webhookPath, appSecret: setup.number.appSecret).status == 200)
            try await api.eventually("the batch's new message is stored") {
                try await api.messages(setup.agentToken, conversationID).count == 2
            }
            try await Task.sleep(for: .seconds(1))
            try await api.settle(setup.tenant, setup.agent, live)

            let bodies = try await api.messages(setup.agentToken, conversationID).compactMap { $0["body"] as? String }
            #expect(bodies == ["and this", "only once please"], "\(bodies)")
            #expect(try await api.count("messages", in: setup.tenant, where: "provider_message_id = 'wamid.HBgMdupe1'") == 1)
            #expect(try await api.count("contacts", in: setup.tenant) == 1)
            #expect(try await api.count("conversations", in: setup.tenant) == 1)
            let heard = live.events.filter {
                $0.type == "chat.message" && ($0.object["message"] as? [String: Any])?["providerMessageId"] as? String == "wamid.HBgMdupe1"
            }
            #expect(heard.count == 1, "chat.message went out \(heard.count) times for one message")
            await live.close()
        }
    }

    /// Webhooks that arrive together are stored in one transaction (group commit), whatever
    /// their tenants: each must land in the tenant of the key it came with.
    @Test("webhooks of two tenants arriving at once, stored in shared batches, each land only in their own tenant")
    func concurrentTenantsShareBatches() async throws {
        try await GraphStandIn().run { standIn in
            try await API.run { api in
                let a = try await Setup.make(api, standIn, "batch-a", phoneNumberID: "111111111111111")
                let b = try await Setup.make(api, standIn, "batch-b", phoneNumberID: "222222222222222")
                let sends = (0..<20).flatMap { n in
                    [
                        (
                            a,
                            Bodies.text(
                                phoneNumberID: a.number.phoneNumberID, from: "91981000\(1000 + n)", wamid: "wamid.batchA\(n)", body: "A\(n)"
                            )
                        ),
                        (
                            b,
                            Bodies.text(
                                phoneNumberID: b.number.phoneNumberID, from: "91982000\(1000 + n)", wamid: "wamid.batchB\(n)", body: "B\(n)"
                            )
                        ),
                    ]
                }
                // act
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for (setup, body) in sends {
                        group.addTask {
                            try await api.deliver(body, to: setup.number.webhookPath, appSecret: setup.number.appSecret).status
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                // check
                #expect(statuses.count == 40 && statuses.allSatisfy { $0 == 200 }, "\(statuses)")
                for (setup, prefix, other) in [(a, "A", "B"), (b, "B", "A")] {
                    try await api.eventually("\(prefix)'s messages are stored") {
                        try await api.count("messages", in: setup.tenant) == 20
                    }
                    #expect(try await api.count("whatsapp_deliveries", in: setup.tenant) == 20)
                    #expect(try await api.count("messages", in: setup.tenant, where: "body LIKE '\(other)%'") == 0)
                    #expect(
                        try await api.count("messages", in: setup.tenant, where: "provider_message_id LIKE 'wamid.batch\(prefix)%'") == 20)
                }
            }
        }
    }

    /// Deliveries another node stored (and did not process) are found by this node's
    /// poll together, so they are applied in batches: one transaction per tenant's batch.
    @Test("polled deliveries are applied a tenant's batch per transaction, and one failing delivery holds up no other")
    func polledDeliveriesInBatches() async throws {
        try await Self.withWhatsApp("batches") { api, _, setup in
            let number = setup.number.phoneNumberID
            #expect(
                try await api.send(.PATCH, "/v1/settings", token: setup.ownerToken, json: #"{"contacts":{"autoAssign":true}}"#).status
                    == 200)
            let live = try await api.listen(setup.tenant, setup.agent, token: setup.agentToken)
            // 30 messages from 20 new senders (the first ten write twice)
            let first = (0..<30).map { n in
                Bodies.text(phoneNumberID: number, from: "91983000\(1000 + n % 20)", wamid: "wamid.poll\(n)", body: "P\(n)")
            }

            // act: stored three seconds ago, as by a node that went away
            try await Self.storeUnprocessed(first, in: setup.tenant, api: api)

            // check: every message once, each sender one contact (auto-assigned) and one
            // conversation, all written by one transaction
            try await api.eventually("the polled messages are stored") {
                try await api.count("messages", in: setup.tenant, where: "provider_message_id LIKE 'wamid.poll%'") == 30
            }
            #expect(try await Self.transactions(writing: "messages", in: setup.tenant, api: api) == 1)
            #expect(try await Self.transactions(writing: "contacts", in: setup.tenant, api: api) == 1)
            #expect(
                try await api.count("contacts", in: setup.tenant, where: "source = 'whatsapp' AND owner_id = '\(setup.agent.id)'") == 20)
            #expect(try await api.count("conversations", in: setup.tenant, where: "assignee_id = '\(setup.agent.id)'") == 20)
            #expect(try await api.count("contact_timeline", in: setup.tenant, where: "kind = 'created'") == 20)
            #expect(try await api.count("contact_timeline", in: setup.tenant, where: "kind = 'message'") == 30)
            #expect(try await api.count("whatsapp_deliveries", in: setup.tenant, where: "processed_at IS NULL") == 0)
            _ = await API.eventAny(live, "chat.message") {
                ($0["message"] as? [String: Any])?["providerMessageId"] as? String == "wamid.poll29"
            }
            try await api.settle(setup.tenant, setup.agent, live)
            #expect(live.events.filter { $0.type == "chat.message" }.count == 30)
            #expect(live.events.filter { $0.type == "conversation.assigned" }.count == 20)
            let assigned = live.events.filter { $0.type == "contact.assigned" }.compactMap { $0.object["count"] as? Int }
            #expect(assigned == [20], "\(assigned)")
            await live.close()

            // act: a batch with a status for a message we never sent (retried later) and
            // a signed body that is no notification (kept with a note) among messages
            let second =
                (0..<10).map { n in Bodies.text(phoneNumberID: number, from: "91984000\(1000 + n)", wamid: "wamid.late\(n)", body: "L\(n)")
                }
                + [
                    Bodies.status(
                        phoneNumberID: number, wamid: "wamid.neverSent", status: "delivered", recipient: "919840001000", at: Date()),
                    #"{"object":"whatsapp_business_account","entry":"not a list"}"#,
                ]
            try await Self.storeUnprocessed(second, in: setup.tenant, api: api)

            // check: the messages are applied one by one around the failing status
            try await api.eventually("the later messages are stored") {
                try await api.count("messages", in: setup.tenant, where: "provider_message_id LIKE 'wamid.late%'") == 10
            }
            // (Both settled: the batch may be cut in two, worked one after the other.)
            try await api.eventually("the status's failed attempt and the kept body's note are recorded") {
                let failed = try await api.count("whatsapp_deliveries", in: setup.tenant, where: "attempts > 0 AND processed_at IS NULL")
                let kept = try await api.count(
                    "whatsapp_deliveries", in: setup.tenant, where: "last_error LIKE 'not a WhatsApp notification%'")
                return failed == 1 && kept == 1
            }
            #expect(try await api.count("whatsapp_deliveries", in: setup.tenant, where: "processed_at IS NULL") == 1)
            #expect(
                try await api.count("whatsapp_deliveries", in: setup.tenant, where: "last_error LIKE 'not a WhatsApp notification%'") == 1)
            #expect(try await api.count("messages", in: setup.tenant) == 40)
        }
    }

    /// A sender's later messages, when several wait together, are applied set-wise
    /// (`receiveFromKnownSenders`): the same outcome as one at a time.
    @Test(
        "a known sender's messages applied together reopen the conversation, move it to the newest, and reach socket and timeline once each"
    )
    func knownSenderBatch() async throws {
        try await Self.withWhatsApp("known") { api, _, setup in
            // setup: the first message (one at a time) makes the contact and conversation; staff resolve it
            let number = setup.number.phoneNumberID
            let from = "919855500011"
            let first = Bodies.text(
                phoneNumberID: number, from: from, wamid: "wamid.known0", body: "first", at: Date().addingTimeInterval(-60))
            #expect(try await api.deliver(first, to: setup.number.webhookPath, appSecret: setup.number.appSecret).status == 200)
            try await api.eventually("the first message is stored") { try await api.count("messages", in: setup.tenant) == 1 }
            let conversationID = try #require(try await api.listIDs(setup.agentToken, [("channel", "whatsapp")]).first)
            #expect(try await api.send(.POST, "/v1/conversations/\(conversationID)/resolve", token: setup.agentToken).status == 200)
            let live = try await api.listen(setup.tenant, setup.agent, token: setup.agentToken)

            // act: two new messages, newest first (stamped after the conversation was made,
            // which its inbox position never goes below), and the older one again in other bytes
            let now = Date().addingTimeInterval(2)
            try await Self.storeUnprocessed(
                [
                    Bodies.text(phoneNumberID: number, from: from, wamid: "wamid.known2", body: "newest", at: now),
                    Bodies.text(phoneNumberID: number, from: from, wamid: "wamid.known1", body: "older", at: now.addingTimeInterval(-20)),
                    Bodies.text(
                        phoneNumberID: number, from: from, name: "Asha K", wamid: "wamid.known1", body: "older",
                        at: now.addingTimeInterval(-20)),
                ],
                in: setup.tenant, api: api)

            // check: stored once each, by one transaction
            try await api.eventually("the deliveries are processed") {
                try await api.count("whatsapp_deliveries", in: setup.tenant, where: "processed_at IS NULL") == 0
            }
            #expect(try await api.count("messages", in: setup.tenant) == 3)
            #expect(try await Self.transactions(writing: "messages", in: setup.tenant, api: api) == 2)
            let conversation = try await api.get(setup.agentToken, conversationID)
            #expect(conversation["status"] as? String == "open", "\(conversation)")
            #expect(API.isNull(conversation["resolvedAt"]))
            #expect(conversation["lastMessagePreview"] as? String == "newest", "\(conversation)")
            #expect(conversation["unreadCount"] as? Int == 3, "\(conversation)")
            // The thread, newest first, and the timeline are in the senders' time, not in arrival order.
            #expect(
                try await api.messages(setup.agentToken, conversationID).compactMap { $0["body"] as? String } == [
                    "newest", "older", "first",
                ])

            _ = await API.eventAny(live, "chat.message") {
                ($0["message"] as? [String: Any])?["providerMessageId"] as? String == "wamid.known1"
            }
            try await api.settle(setup.tenant, setup.agent, live)
            let types = live.events.map(\.type).filter { $0 == "chat.message" || $0 == "conversation.reopened" }
            #expect(types == ["conversation.reopened", "chat.message", "chat.message"], "\(types)")
            let heard = live.events.filter { $0.type == "chat.message" }.compactMap { $0.object["message"] as? [String: Any] }
            #expect(heard.compactMap { $0["providerMessageId"] as? String } == ["wamid.known2", "wamid.known1"])
            let contact = try #require(live.events.first { $0.type == "chat.message" }?.object["contact"] as? [String: Any])
            #expect(contact["phone"] as? String == "+" + from)
            let timeline = try await api.send(.GET, "/v1/contacts/\(contact["id"] as? String ?? "")/timeline", token: setup.ownerToken)
            let entries = ((timeline.json["items"] as? [[String: Any]]) ?? []).filter { $0["kind"] as? String == "message" }
            #expect(
                entries.compactMap { ($0["data"] as? [String: Any])?["preview"] as? String } == ["newest", "older", "first"],
                "\(timeline.body)")
            await live.close()
        }
    }

    /// Stores `bodies` as verified, unprocessed deliveries of `tenant` received about
    /// three seconds ago, a millisecond apart in their order (so the next poll of any
    /// node takes them, in that order), in one statement.
    static func storeUnprocessed(_ bodies: [String], in tenant: API.Tenant, api: API) async throws {
        try await storeUnprocessed(bodies, tenantID: tenant.id, database: api.app.database)
    }

    static func storeUnprocessed(_ bodies: [String], tenantID: UUID, database: Database) async throws {
        try await database.withTenant(tenantID, logger: API.logger) { connection in
            var query = PostgresQuery(
                unsafeSQL: """
                    INSERT INTO whatsapp_deliveries (id, tenant_id, body, body_sha256, received_at)
                    SELECT gen_random_uuid(), $1, convert_to(body, 'UTF8'), sha256(convert_to(body, 'UTF8')),
                           now() - interval '3 seconds' + n * interval '1 millisecond'
                    FROM unnest($2::text[]) WITH ORDINALITY AS b(body, n)
                    """)
            query.binds.append(tenantID)
            query.binds.append(bodies)
            try await connection.query(query, logger: API.logger)
        }
    }

    /// How many transactions wrote `table`'s rows of `tenant` (their distinct `xmin`).
    static func transactions(writing table: String, in tenant: API.Tenant, api: API) async throws -> Int {
        try await api.app.database.withTenant(tenant.id, logger: API.logger) { connection in
            var query = PostgresQuery(unsafeSQL: "SELECT count(DISTINCT xmin::text)::int8 FROM \(table) WHERE tenant_id = $1")
            query.binds.append(tenant.id)
            for try await count in try await connection.query(query, logger: API.logger).decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    /// One poll finds both tenants' backlogs: batches are cut per tenant, and each runs
    /// in its own tenant's scope.
    @Test("polled deliveries of two tenants with the same senders and wamids are batched apart and land only in their own tenant")
    func polledTenantsBatchApart() async throws {
        try await GraphStandIn().run { standIn in
            try await API.run { api in
                let a = try await Setup.make(api, standIn, "apart-a", phoneNumberID: "111111111111111")
                let b = try await Setup.make(api, standIn, "apart-b", phoneNumberID: "222222222222222")
                func bodies(_ setup: Setup, _ prefix: String) -> [String] {
                    (0..<20).map { n in
                        Bodies.text(
                            phoneNumberID: setup.number.phoneNumberID, from: "91986000\(1000 + n % 10)", wamid: "wamid.apart\(n)",
                            body: "\(prefix)\(n)")
                    }
                }

                // act: both backlogs waiting at once
                try await Self.storeUnprocessed(bodies(a, "A"), in: a.tenant, api: api)
                try await Self.storeUnprocessed(bodies(b, "B"), in: b.tenant, api: api)

                // check
                for (setup, own, other) in [(a, "A", "B"), (b, "B", "A")] {
                    try await api.eventually("\(own)'s messages are stored") { try await api.count("messages", in: setup.tenant) == 20 }
                    #expect(try await api.count("messages", in: setup.tenant, where: "body LIKE '\(own)%'") == 20)
                    #expect(try await api.count("messages", in: setup.tenant, where: "body LIKE '\(other)%'") == 0)
                    #expect(try await api.count("contacts", in: setup.tenant) == 10)
                    #expect(try await api.count("conversations", in: setup.tenant) == 10)
                    #expect(try await Self.transactions(writing: "messages", in: setup.tenant, api: api) == 1)
                }
            }
        }
    }

    @Test("a webhook key of tenant A never writes into tenant B, whatever the body says")
    func crossTenantWebhooks() async throws {
        try await GraphStandIn().run { standIn in
            try await API.run { api in
                let a = try await Setup.make(api, standIn, "tenant-a", phoneNumberID: "111111111111111")
                let b = try await Setup.make(api, standIn, "tenant-b", phoneNumberID: "222222222222222")
                let bLive = try await api.listen(b.tenant, b.agent, token: b.agentToken)
                #expect(a.number.webhookPath != b.number.webhookPath)

                // A's URL with a body signed by B's secret: refused, stored nowhere.
                let forB = Bodies.text(phoneNumberID: b.number.phoneNumberID, from: "919800000001", wamid: "wamid.cross1", body: "for B")
                try await api.deliver(forB, to: a.number.webhookPath, appSecret: b.number.appSecret).expectProblem(401, "invalid-signature")
                // A's URL, A's signature, but B's number in the body: kept in A (it is A's app), written nowhere.
                #expect(try await api.deliver(forB, to: a.number.webhookPath, appSecret: a.number.appSecret).status == 200)
                // A's URL, A's signature, A's number: lands in A only.
                let forA = Bodies.text(phoneNumberID: a.number.phoneNumberID, from: "919800000002", wamid: "wamid.cross2", body: "for A")
                #expect(try await api.deliver(forA, to: a.number.webhookPath, appSecret: a.number.appSecret).status == 200)

                try await api.eventually("A's message is stored") { try await api.count("messages", in: a.tenant) == 1 }
                try await api.eventually("A's deliveries are processed") {
                    try await api.count("whatsapp_deliveries", in: a.tenant, where: "processed_at IS NULL") == 0
                }
                try await api.settle(b.tenant, b.agent, bLive)
                #expect(try await api.count("whatsapp_deliveries", in: b.tenant) == 0)
                #expect(try await api.count("messages", in: b.tenant) == 0)
                #expect(try await api.count("contacts", in: b.tenant) == 0)
                #expect(try await api.listIDs(b.ownerToken).isEmpty)
                #expect(!bLive.events.contains { $0.type.hasPrefix("chat.") || $0.type.hasPrefix("conversation.") }, "B heard A's webhook")
                #expect(
                    try await api.count("contacts", in: a.tenant, where: "phone = '+919800000001'") == 0,
                    "a message for B's number was filed in A")
                #expect(try await api.count("contacts", in: a.tenant, where: "phone = '+919800000002'") == 1)
                // B's URL with A's secret: refused too.
                try await api.deliver(forA, to: b.number.webhookPath, appSecret: a.number.appSecret).expectProblem(401, "invalid-signature")
                // The verify handshake: A's token does not open B's URL.
                let crossed = try await standIn.verifyWebhook(
                    url: api.base + b.number.webhookPath, token: a.number.verifyToken, challenge: "x1")
                #expect(crossed.status == 403)
                await bLive.close()
            }
        }
    }

    /// Batches processed side by side, and webhooks WhatsApp redelivers late, store a
    /// sender's messages out of order: the thread still reads in WhatsApp's order.
    @Test("a sender's messages stored out of WhatsApp's order are listed in its order, page by page")
    func messagesInWhatsAppTimeOrder() async throws {
        try await Self.withWhatsApp("order") { api, _, setup in
            let now = Date()
            // setup: the middle message is stored first, then the oldest, then the newest
            for (wamid, body, secondsAgo) in [
                ("wamid.order2", "second", 30.0), ("wamid.order1", "first", 60), ("wamid.order3", "third", 0),
            ] {
                let webhook = Bodies.text(
                    phoneNumberID: setup.number.phoneNumberID, from: "919812345678", wamid: wamid, body: body,
                    at: now.addingTimeInterval(-secondsAgo))
                #expect(try await api.deliver(webhook, to: setup.number.webhookPath, appSecret: setup.number.appSecret).status == 200)
                try await api.eventually("\(body) is stored") {
                    try await api.count("messages", in: setup.tenant, where: "provider_message_id = '\(wamid)'") == 1
                }
            }
            let conversationID = try #require(try await api.listIDs(setup.ownerToken).first)

            // act and check: one page, then pages of one message each
            let whole = try await api.messages(setup.agentToken, conversationID).compactMap { $0["body"] as? String }
            #expect(whole == ["third", "second", "first"], "\(whole)")
            var paged: [String] = []
            var cursor: String?
            repeat {
                let reply = try await api.send(
                    .GET, "/v1/conversations/\(conversationID)/messages?limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""),
                    token: setup.agentToken)
                try #require(reply.status == 200, "\(reply.body)")
                paged += ((reply.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["body"] as? String }
                cursor = reply.json["nextCursor"] as? String
            } while cursor != nil && paged.count < 10
            #expect(paged == ["third", "second", "first"], "\(paged)")
        }
    }
}

extension InboxAPI {
    /// The data of the first `type` event matching `condition`, waiting for it.
    static func eventAny(
        _ live: RealtimeSubscription, _ type: String, timeout: Duration = .seconds(15),
        where condition: @escaping @Sendable ([String: Any]) -> Bool = { _ in true }
    ) async -> [String: Any]? {
        _ = await live.recorder.wait(timeout: timeout) { events in events.contains { $0.type == type && condition($0.object) } }
        return live.events.first { $0.type == type && condition($0.object) }?.object
    }
}
