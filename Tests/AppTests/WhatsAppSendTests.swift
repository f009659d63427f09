import Accounts
import Foundation
import NIOHTTP1
import Persistence
import PostgresNIO
import Testing

/// WhatsApp outbound end to end: staff messages go through the durable send queue to
/// the Graph stand-in (which checks every body against PROVIDERS.md §1.1 and can be
/// told to fail), and statuses come back as signed webhooks.
@Suite("WhatsApp sending", .serialized)
struct WhatsAppSendTests {
    typealias API = InboxAPI
    typealias Bodies = WhatsAppWebhookBodies
    typealias Setup = WhatsAppWebhookTests.Setup

    static func withWhatsApp(_ slug: String, _ body: @escaping @Sendable (API, GraphStandIn, Setup) async throws -> Void) async throws {
        try await WhatsAppWebhookTests.withWhatsApp(slug, body)
    }

    /// The customer at `from` writes (opening the window); returns the conversation id.
    static func customerWrites(
        _ api: API, _ setup: Setup, from: String = "919812345678", wamid: String = "wamid.in.\(UUID().uuidString.prefix(8))",
        text: String = "hello", sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let body = Bodies.text(phoneNumberID: setup.number.phoneNumberID, from: from, wamid: wamid, body: text)
        let reply = try await api.deliver(body, to: setup.number.webhookPath, appSecret: setup.number.appSecret)
        try #require(reply.status == 200, "inbound webhook: \(reply.status) \(reply.body)", sourceLocation: sourceLocation)
        var conversationID: String?
        try await api.eventually("the inbound message is stored", sourceLocation: sourceLocation) {
            let list = try await api.page(setup.ownerToken, [("channel", "whatsapp"), ("limit", "200")])
            for item in list.items where (item["contact"] as? [String: Any])?["phone"] as? String == "+" + from {
                let id = item["id"] as? String ?? ""
                if try await api.messages(setup.ownerToken, id).contains(where: { $0["providerMessageId"] as? String == wamid }) {
                    conversationID = id
                    return true
                }
            }
            return false
        }
        return try #require(conversationID, sourceLocation: sourceLocation).lowercased()
    }

    /// Polls the message until its status is one of `statuses`; returns it.
    static func waitForStatus(
        _ api: API, _ token: String, conversation: String, message: String, _ statuses: Set<String>, timeout: Duration = .seconds(20),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Any] {
        var found: [String: Any] = [:]
        try await api.eventually("message \(message) is \(statuses.sorted())", timeout: timeout, sourceLocation: sourceLocation) {
            found = try await api.messages(token, conversation).first { $0["id"] as? String == message } ?? [:]
            return statuses.contains(found["status"] as? String ?? "")
        }
        return found
    }

    static let template = ##"{"template":{"name":"order_update","language":"en_US","parameters":["Asha","#42"]}}"##

    @Test("free text inside the window goes out once, exactly as PROVIDERS.md §1.1 describes, and becomes sent with its wamid")
    func freeTextInsideWindow() async throws {
        try await Self.withWhatsApp("send-text") { api, standIn, setup in
            let conversationID = try await Self.customerWrites(api, setup)
            let live = try await api.listen(setup.tenant, setup.agent, token: setup.agentToken)

            // act
            let posted = try await api.send(
                .POST, "/v1/conversations/\(conversationID)/messages", token: setup.agentToken, json: #"{"text":"Your order ships today"}"#)

            // check: queued at once, then sent
            try #require(posted.status == 201, "\(posted.status) \(posted.body)")
            #expect(posted.json["status"] as? String == "queued")
            #expect(posted.json["direction"] as? String == "outbound")
            let messageID = try #require(posted.json["id"] as? String)
            let sent = try await Self.waitForStatus(
                api, setup.agentToken, conversation: conversationID, message: messageID, ["sent", "failed"])
            #expect(sent["status"] as? String == "sent", "\(sent)")
            let sends = standIn.sends
            #expect(sends.count == 1, "\(sends.map(\.status))")
            let request = try #require(sends.first)
            #expect(request.path == "/v21.0/\(setup.number.phoneNumberID)/messages")
            #expect(request.authorization == "Bearer \(setup.number.accessToken)")
            #expect(request.status == 200)
            #expect(request.json?["messaging_product"] as? String == "whatsapp")
            #expect(request.json?["recipient_type"] as? String == "individual")
            #expect(request.to == "919812345678", "the recipient's digits, without +")
            #expect(request.type == "text")
            #expect(request.textBody == "Your order ships today")
            #expect(sent["providerMessageId"] as? String == request.wamid)
            #expect(sent["sentAt"] is String)
            #expect(API.isNull(sent["error"]))
            let status = await API.event(live, "chat.message.status", conversation: conversationID) { $0["status"] as? String == "sent" }
            #expect(status?["messageId"] as? String == messageID, "no chat.message.status sent: \(live.events.map(\.type))")
            #expect(status?["providerMessageId"] as? String == request.wamid)
            #expect(
                await API.chatMessage(live, conversation: conversationID, message: messageID) != nil, "the queued message was not announced"
            )
            // Replying is not a customer message: the window and unread count stay.
            let view = try await api.get(setup.agentToken, conversationID)
            #expect((view["window"] as? [String: Any])?["open"] as? Bool == true)
            await live.close()
        }
    }

    @Test("outside the 24-hour window free text is refused with whatsapp-template-required; a template starts the conversation")
    func windowAndTemplates() async throws {
        try await Self.withWhatsApp("window") { api, standIn, setup in
            // setup: a contact who never wrote
            let created = try await api.send(
                .POST, "/v1/contacts", token: setup.ownerToken, json: #"{"name":"Cold Lead","phone":"+919876500001"}"#)
            try #require(created.status == 201, "\(created.body)")
            let contactID = try #require(created.json["id"] as? String)
            let live = try await api.listen(setup.tenant, setup.agent, token: setup.agentToken)

            // act: a template through POST /v1/contacts/{id}/whatsapp
            let started = try await api.send(
                .POST, "/v1/contacts/\(contactID)/whatsapp", token: setup.agentToken, json: Self.template,
                headers: [("Idempotency-Key", "open-1")])

            // check
            try #require(started.status == 201, "\(started.status) \(started.body)")
            let conversation = (started.json["conversation"] as? [String: Any]) ?? [:]
            let message = (started.json["message"] as? [String: Any]) ?? [:]
            let conversationID = try #require(conversation["id"] as? String).lowercased()
            #expect(started.headers.first(name: "location")?.lowercased() == "/v1/conversations/\(conversationID)")
            #expect(conversation["channel"] as? String == "whatsapp")
            #expect((conversation["window"] as? [String: Any])?["open"] as? Bool == false)
            #expect(message["type"] as? String == "template")
            #expect(message["status"] as? String == "queued")
            #expect((message["template"] as? [String: Any])?["name"] as? String == "order_update")
            let messageID = try #require(message["id"] as? String)
            let sent = try await Self.waitForStatus(
                api, setup.agentToken, conversation: conversationID, message: messageID, ["sent", "failed"])
            #expect(sent["status"] as? String == "sent", "\(sent)")
            let request = try #require(standIn.sends.first)
            #expect(request.type == "template")
            #expect(request.to == "919876500001")
            #expect(request.templateName == "order_update")
            #expect(request.templateLanguage == "en_US")
            #expect(request.templateParameters == ["Asha", "#42"])
            #expect(sent["providerMessageId"] as? String == request.wamid)
            #expect(await API.event(live, "chat.message.status", conversation: conversationID) { $0["status"] as? String == "sent" } != nil)

            // The same request again is a replay, not a second send.
            let replay = try await api.send(
                .POST, "/v1/contacts/\(contactID)/whatsapp", token: setup.agentToken, json: Self.template,
                headers: [("Idempotency-Key", "open-1")])
            #expect(replay.status == 201, "\(replay.body)")
            #expect(replay.headers.first(name: "idempotent-replayed") == "true")
            #expect((replay.json["message"] as? [String: Any])?["id"] as? String == messageID)

            // Free text is refused: the contact never wrote.
            let refused = try await api.send(
                .POST, "/v1/conversations/\(conversationID)/messages", token: setup.agentToken, json: #"{"text":"hi"}"#)
            let problem = refused.expectProblem(422, "whatsapp-template-required")
            #expect((problem["detail"] as? String)?.contains("template") == true)
            // Another template through the conversation is fine.
            let second = try await api.send(
                .POST, "/v1/conversations/\(conversationID)/messages", token: setup.agentToken,
                json: #"{"template":{"name":"follow_up","language":"en"}}"#)
            #expect(second.status == 201, "\(second.body)")
            _ = try await Self.waitForStatus(
                api, setup.agentToken, conversation: conversationID, message: second.json["id"] as? String ?? "", ["sent", "failed"])
            try await Task.sleep(for: .seconds(1))
            #expect(standIn.sends.count == 2, "sends: \(standIn.sends.map { $0.templateName ?? $0.type ?? "?" })")
            #expect(standIn.sends.last?.templateParameters == [])

            // Refusals: no phone, bad template, customers, tenants without WhatsApp.
            let noPhone = try await api.send(.POST, "/v1/contacts", token: setup.ownerToken, json: #"{"name":"No Phone"}"#)
            try await api.send(
                .POST, "/v1/contacts/\(noPhone.json["id"] as? String ?? "")/whatsapp", token: setup.agentToken, json: Self.template
            )
            .expectProblem(422, "contact-has-no-phone")
            try await api.send(
                .POST, "/v1/contacts/\(contactID)/whatsapp", token: setup.agentToken,
                json: #"{"template":{"name":"Not Valid","language":"en"}}"#
            ).expectProblem(422, "validation-failed")
            try await api.send(.POST, "/v1/contacts/\(UUID())/whatsapp", token: setup.agentToken, json: Self.template).expectProblem(
                404, "not-found")
            let other = try await api.seed("window-unconfigured", agents: [], customers: 1)
            let otherToken = try await api.login(other, other.owner)
            let otherContact = try await api.send(
                .POST, "/v1/contacts", token: otherToken, json: #"{"name":"Lead","phone":"+919876500002"}"#)
            try await api.send(
                .POST, "/v1/contacts/\(otherContact.json["id"] as? String ?? "")/whatsapp", token: otherToken, json: Self.template
            )
            .expectProblem(422, "whatsapp-not-configured")
            let customerToken = try await api.login(other, other.customers[0])
            try await api.send(
                .POST, "/v1/contacts/\(otherContact.json["id"] as? String ?? "")/whatsapp", token: customerToken, json: Self.template
            )
            .expectProblem(403, "forbidden")
            await live.close()
        }
    }

    @Test("429 and 5xx answers are retried with backoff and the message is sent exactly once")
    func retriesWithoutDuplicates() async throws {
        try await Self.withWhatsApp("retry") { api, standIn, setup in
            let conversationID = try await Self.customerWrites(api, setup)
            let live = try await api.listen(setup.tenant, setup.agent, token: setup.agentToken)
            standIn.failNext([
                .http(status: 429, code: 130429, message: "(#130429) Rate limit hit"),
                .http(status: 503, body: "<html><body>Service Unavailable</body></html>"),
            ])

            // act
            let started = ContinuousClock.now
            let posted = try await api.send(
                .POST, "/v1/conversations/\(conversationID)/messages", token: setup.agentToken, json: #"{"text":"retry me"}"#)
            try #require(posted.status == 201, "\(posted.body)")
            let messageID = try #require(posted.json["id"] as? String)

            // check: two failures, one success, about 1 s + 2 s of backoff
            let sent = try await Self.waitForStatus(
                api, setup.agentToken, conversation: conversationID, message: messageID, ["sent", "failed"], timeout: .seconds(30))
            let elapsed = ContinuousClock.now - started
            #expect(sent["status"] as? String == "sent", "\(sent)")
            try await Task.sleep(for: .seconds(3))
            let sends = standIn.sends
            #expect(sends.map(\.status) == [429, 503, 200], "\(sends.map(\.status))")
            #expect(sends.filter { $0.status == 200 }.count == 1, "the message was accepted more than once")
            #expect(Set(sends.compactMap(\.textBody)) == ["retry me"])
            #expect(sent["providerMessageId"] as? String == sends.last?.wamid)
            #expect(elapsed >= .milliseconds(2_200), "retried after \(elapsed): no backoff?")
            #expect(API.isNull(sent["error"]), "a sent message shows the retried error: \(sent)")
            let statusEvents = API.events(live, "chat.message.status", conversation: conversationID).filter {
                $0["messageId"] as? String == messageID
            }
            _ = await API.event(live, "chat.message.status", conversation: conversationID) { $0["messageId"] as? String == messageID }
            #expect(
                API.events(live, "chat.message.status", conversation: conversationID).filter { $0["messageId"] as? String == messageID }
                    .compactMap { $0["status"] as? String } == ["sent"], "status events: \(statusEvents)")
            await live.close()
        }
    }

    @Test("a permanent error fails the message at once without a retry; a synchronous 131047 also closes the window")
    func permanentErrors() async throws {
        try await Self.withWhatsApp("permanent") { api, standIn, setup in
            let conversationID = try await Self.customerWrites(api, setup)
            let live = try await api.listen(setup.tenant, setup.agent, token: setup.agentToken)
            standIn.failNext([.http(status: 400, code: 131026, message: "(#131026) Message Undeliverable.")])

            // act
            let posted = try await api.send(
                .POST, "/v1/conversations/\(conversationID)/messages", token: setup.agentToken, json: #"{"text":"lost"}"#)
            try #require(posted.status == 201, "\(posted.body)")
            let messageID = try #require(posted.json["id"] as? String)

            // check
            let failed = try await Self.waitForStatus(
                api, setup.agentToken, conversation: conversationID, message: messageID, ["sent", "failed"])
            #expect(failed["status"] as? String == "failed", "\(failed)")
            let error = (failed["error"] as? [String: Any]) ?? [:]
            #expect(error["code"] as? Int == 131026, "\(failed)")
            #expect((error["title"] as? String)?.isEmpty == false)
            let event = await API.event(live, "chat.message.status", conversation: conversationID) {
                $0["messageId"] as? String == messageID
            }
            #expect(event?["status"] as? String == "failed", "no chat.message.status failed: \(live.events.map(\.type))")
            #expect((event?["error"] as? [String: Any])?["code"] as? Int == 131026)
            try await Task.sleep(for: .seconds(4))
            #expect(standIn.sends.count == 1, "a permanent error was retried: \(standIn.sends.map(\.status))")
            #expect((try await api.get(setup.agentToken, conversationID)["window"] as? [String: Any])?["open"] as? Bool == true)

            // A synchronous 131047: failed, and the window closes.
            standIn.failNext([.http(status: 400, code: 131047, message: "(#131047) Re-engagement message")])
            let late = try await api.post(setup.agentToken, conversationID, "too late")
            let lateFailed = try await Self.waitForStatus(
                api, setup.agentToken, conversation: conversationID, message: late["id"] as? String ?? "", ["sent", "failed"])
            #expect((lateFailed["error"] as? [String: Any])?["code"] as? Int == 131047, "\(lateFailed)")
            let view = try await api.get(setup.agentToken, conversationID)
            #expect((view["window"] as? [String: Any])?["open"] as? Bool == false, "131047 did not close the window: \(view)")
            try await api.send(.POST, "/v1/conversations/\(conversationID)/messages", token: setup.agentToken, json: #"{"text":"again?"}"#)
                .expectProblem(422, "whatsapp-template-required")
            #expect(standIn.sends.count == 2)
            await live.close()
        }
    }

    @Test("statuses apply forward only: read then a late delivered stays read, with both times recorded; duplicates change nothing")
    func outOfOrderStatuses() async throws {
        try await Self.withWhatsApp("statuses") { api, standIn, setup in
            let conversationID = try await Self.customerWrites(api, setup)
            let live = try await api.listen(setup.tenant, setup.agent, token: setup.agentToken)
            let message = try await api.post(setup.agentToken, conversationID, "did you get this?")
            let messageID = try #require(message["id"] as? String)
            let sent = try await Self.waitForStatus(
                api, setup.agentToken, conversation: conversationID, message: messageID, ["sent", "failed"])
            let wamid = try #require(sent["providerMessageId"] as? String, "\(sent)")
            let base = Date().addingTimeInterval(-60)
            func status(_ name: String, _ offset: TimeInterval) -> String {
                Bodies.status(
                    phoneNumberID: setup.number.phoneNumberID, wamid: wamid, status: name, recipient: "919812345678",
                    at: base.addingTimeInterval(offset))
            }

            // act: read arrives before delivered
            #expect(
                try await api.deliver(status("read", 20), to: setup.number.webhookPath, appSecret: setup.number.appSecret).status == 200)
            _ = try await Self.waitForStatus(api, setup.agentToken, conversation: conversationID, message: messageID, ["read"])
            #expect(
                try await api.deliver(status("delivered", 10), to: setup.number.webhookPath, appSecret: setup.number.appSecret).status
                    == 200)
            #expect(try await api.deliver(status("sent", 5), to: setup.number.webhookPath, appSecret: setup.number.appSecret).status == 200)
            #expect(
                try await api.deliver(status("read", 20), to: setup.number.webhookPath, appSecret: setup.number.appSecret).status == 200)
            try await api.eventually("every status delivery is processed") {
                try await api.count("whatsapp_deliveries", in: setup.tenant, where: "processed_at IS NULL") == 0
            }

            // check
            let final = try #require(try await api.messages(setup.agentToken, conversationID).first { $0["id"] as? String == messageID })
            #expect(final["status"] as? String == "read", "a late status moved the message back: \(final)")
            let delivered = try #require(CallsTests.date(final["deliveredAt"]), "the late delivered time was not recorded: \(final)")
            let read = try #require(CallsTests.date(final["readAt"]))
            #expect(abs(delivered.timeIntervalSince(base.addingTimeInterval(10))) < 1.5, "deliveredAt \(delivered)")
            #expect(abs(read.timeIntervalSince(base.addingTimeInterval(20))) < 1.5, "readAt \(read)")
            try await api.settle(setup.tenant, setup.agent, live)
            let statuses = API.events(live, "chat.message.status", conversation: conversationID)
                .filter { $0["messageId"] as? String == messageID }.compactMap { $0["status"] as? String }
            #expect(statuses == ["sent", "read"], "status events after read: \(statuses)")
            // A failure after delivery is ignored too.
            let failedLate = Bodies.status(
                phoneNumberID: setup.number.phoneNumberID, wamid: wamid, status: "failed", recipient: "919812345678",
                at: base.addingTimeInterval(30),
                errorCode: 131047)
            #expect(try await api.deliver(failedLate, to: setup.number.webhookPath, appSecret: setup.number.appSecret).status == 200)
            try await api.eventually("the failed status is processed") {
                try await api.count("whatsapp_deliveries", in: setup.tenant, where: "processed_at IS NULL") == 0
            }
            let after = try #require(try await api.messages(setup.agentToken, conversationID).first { $0["id"] as? String == messageID })
            #expect(after["status"] as? String == "read")
            #expect(standIn.sends.count == 1)
            await live.close()
        }
    }

    /// Statuses that wait together are applied set-wise (`applyStatuses`): the same
    /// forward-only outcome as one at a time, in one transaction.
    @Test("statuses of several messages polled together apply forward only, in arrival order, in one transaction, one event per move")
    func statusesInOneBatch() async throws {
        try await Self.withWhatsApp("status-batch") { api, standIn, setup in
            let conversationID = try await Self.customerWrites(api, setup)
            var sent: [(id: String, wamid: String)] = []
            for text in ["one", "two", "three"] {
                let message = try await api.post(setup.agentToken, conversationID, text)
                let id = try #require(message["id"] as? String)
                let view = try await Self.waitForStatus(api, setup.agentToken, conversation: conversationID, message: id, ["sent", "failed"])
                sent.append((id, try #require(view["providerMessageId"] as? String, "\(view)")))
            }
            let live = try await api.listen(setup.tenant, setup.agent, token: setup.agentToken)
            let base = Date().addingTimeInterval(-60)
            func status(_ message: Int, _ name: String, _ offset: TimeInterval, errorCode: Int? = nil) -> String {
                Bodies.status(
                    phoneNumberID: setup.number.phoneNumberID, wamid: sent[message].wamid, status: name, recipient: "919812345678",
                    at: base.addingTimeInterval(offset), errorCode: errorCode)
            }

            // act: one polled batch; the first message's read before its delivered and
            // sent, the second's failure after its delivery, the third fails with 131047
            try await WhatsAppWebhookTests.storeUnprocessed(
                [
                    status(0, "read", 20), status(1, "delivered", 8), status(0, "delivered", 10), status(0, "sent", 5),
                    status(1, "failed", 30, errorCode: 131026), status(2, "failed", 12, errorCode: 131047),
                ],
                in: setup.tenant, api: api)
            try await api.eventually("the statuses are processed") {
                try await api.count("whatsapp_deliveries", in: setup.tenant, where: "processed_at IS NULL") == 0
            }

            // check: forward only, with the times of the statuses that moved each message
            let messages = try await api.messages(setup.agentToken, conversationID)
            let views = try sent.map { sent in try #require(messages.first { $0["id"] as? String == sent.id }) }
            #expect(views[0]["status"] as? String == "read")
            let delivered = try #require(CallsTests.date(views[0]["deliveredAt"]), "\(views[0])")
            #expect(abs(delivered.timeIntervalSince(base.addingTimeInterval(10))) < 1.5, "deliveredAt \(delivered)")
            #expect(views[1]["status"] as? String == "delivered", "a failure after delivery moved it: \(views[1])")
            #expect(views[2]["status"] as? String == "failed")
            #expect((views[2]["error"] as? [String: Any])?["code"] as? Int == 131047)
            let conversation = try await api.get(setup.agentToken, conversationID)
            #expect((conversation["window"] as? [String: Any])?["open"] as? Bool == false, "131047 did not close the window")
            // all three messages changed by the one transaction that applied the batch
            let writers = try await api.app.database.withTenant(setup.tenant.id, logger: API.logger) { connection in
                var query = PostgresQuery(unsafeSQL: "SELECT count(DISTINCT xmin::text)::int8 FROM messages WHERE id = ANY($1::uuid[])")
                query.binds.append(sent.compactMap { UUID(uuidString: $0.id) })
                var count = 0
                for try await n in try await connection.query(query, logger: API.logger).decode(Int64.self) { count = Int(n) }
                return count
            }
            #expect(writers == 1)
            // one event per status move, in arrival order
            try await api.settle(setup.tenant, setup.agent, live)
            let moves = API.events(live, "chat.message.status", conversation: conversationID).compactMap { event -> String? in
                guard let n = sent.firstIndex(where: { $0.id == event["messageId"] as? String }) else { return nil }
                return "\(n):\(event["status"] as? String ?? "?")"
            }
            #expect(moves == ["0:read", "1:delivered", "2:failed"], "\(moves)")
            #expect(standIn.sends.count == 3)
            await live.close()
        }
    }

    /// The set-wise status path finds messages by wamid: another tenant's wamid, sent
    /// through this tenant's webhook, must find nothing.
    @Test("a status through tenant A's webhook naming tenant B's wamid never moves B's message")
    func crossTenantStatus() async throws {
        try await GraphStandIn().run { standIn in
            try await API.run { api in
                let a = try await Setup.make(api, standIn, "status-a", phoneNumberID: "111111111111111")
                let b = try await Setup.make(api, standIn, "status-b", phoneNumberID: "222222222222222")
                let conversationID = try await Self.customerWrites(api, b)
                let message = try await api.post(b.agentToken, conversationID, "only for B")
                let messageID = try #require(message["id"] as? String)
                let sent = try await Self.waitForStatus(api, b.agentToken, conversation: conversationID, message: messageID, ["sent"])
                let wamid = try #require(sent["providerMessageId"] as? String, "\(sent)")
                let bLive = try await api.listen(b.tenant, b.agent, token: b.agentToken)
                let bDeliveries = try await api.count("whatsapp_deliveries", in: b.tenant)

                // act: A's URL and signature; a read for B's wamid naming A's number, then B's
                for number in [a.number.phoneNumberID, b.number.phoneNumberID] {
                    let body = Bodies.status(phoneNumberID: number, wamid: wamid, status: "read", recipient: "919812345678", at: Date())
                    #expect(try await api.deliver(body, to: a.number.webhookPath, appSecret: a.number.appSecret).status == 200)
                }

                // check: in A the first is a status for no message of A's (retried), the
                // second not A's number (kept, applied to nothing); B is untouched
                try await api.eventually("A's two status deliveries are settled") {
                    let retried = try await api.count("whatsapp_deliveries", in: a.tenant, where: "attempts > 0 AND processed_at IS NULL")
                    let done = try await api.count("whatsapp_deliveries", in: a.tenant, where: "processed_at IS NOT NULL")
                    return retried == 1 && done == 1
                }
                try await api.settle(b.tenant, b.agent, bLive)
                let after = try #require(try await api.messages(b.agentToken, conversationID).first { $0["id"] as? String == messageID })
                #expect(after["status"] as? String == "sent", "A's webhook moved B's message: \(after)")
                #expect(after["readAt"] == nil || after["readAt"] is NSNull, "\(after)")
                #expect(!bLive.events.contains { $0.type == "chat.message.status" }, "B heard a status from A's webhook")
                #expect(try await api.count("whatsapp_deliveries", in: b.tenant) == bDeliveries)
                await bLive.close()
            }
        }
    }

    @Test("a failed status with 131047 fails the message with its code and closes the window until the customer writes again")
    func asyncReengagementFailure() async throws {
        try await Self.withWhatsApp("reengage") { api, standIn, setup in
            let conversationID = try await Self.customerWrites(api, setup)
            let live = try await api.listen(setup.tenant, setup.agent, token: setup.agentToken)
            let message = try await api.post(setup.agentToken, conversationID, "are you still there?")
            let messageID = try #require(message["id"] as? String)
            let sent = try await Self.waitForStatus(
                api, setup.agentToken, conversation: conversationID, message: messageID, ["sent", "failed"])
            let wamid = try #require(sent["providerMessageId"] as? String, "\(sent)")

            // act: Meta reports the failure (the stand-in posts it, signed)
            let answers = try await standIn.deliverStatuses(
                [.failed], for: wamid, to: api.base + setup.number.webhookPath, appSecret: setup.number.appSecret)
            #expect(answers == [200])

            // check
            let failed = try await Self.waitForStatus(api, setup.agentToken, conversation: conversationID, message: messageID, ["failed"])
            let error = (failed["error"] as? [String: Any]) ?? [:]
            #expect(error["code"] as? Int == 131047, "\(failed)")
            #expect(error["title"] as? String == "Re-engagement message")
            let event = await API.event(live, "chat.message.status", conversation: conversationID) { $0["status"] as? String == "failed" }
            #expect(
                (event?["error"] as? [String: Any])?["code"] as? Int == 131047, "no chat.message.status failed: \(live.events.map(\.type))")
            let view = try await api.get(setup.agentToken, conversationID)
            #expect((view["window"] as? [String: Any])?["open"] as? Bool == false, "131047 did not close the window: \(view)")
            try await api.send(.POST, "/v1/conversations/\(conversationID)/messages", token: setup.agentToken, json: #"{"text":"hello?"}"#)
                .expectProblem(422, "whatsapp-template-required")
            let template = try await api.send(
                .POST, "/v1/conversations/\(conversationID)/messages", token: setup.agentToken, json: Self.template)
            #expect(template.status == 201, "a template must still be accepted: \(template.body)")

            // The customer writes again: the window reopens, free text goes.
            _ = try await Self.customerWrites(api, setup, text: "I'm back")
            let reopened = try await api.get(setup.agentToken, conversationID)
            #expect(
                (reopened["window"] as? [String: Any])?["open"] as? Bool == true,
                "the customer's message did not reopen the window: \(reopened)")
            let again = try await api.send(
                .POST, "/v1/conversations/\(conversationID)/messages", token: setup.agentToken, json: #"{"text":"welcome back"}"#)
            #expect(again.status == 201, "\(again.body)")
            await live.close()
        }
    }
}
