import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// Razorpay webhooks end to end: signatures on the raw body, one delivery per
/// `X-Razorpay-Event-Id`, events applied in any order without going backwards, amounts
/// checked against the order, secret rotation, and tenants kept apart.
@Suite("Payments: Razorpay webhooks", .serialized)
struct PaymentWebhookTests {
    typealias API = PaymentsAPI

    @Test("a forged, missing or malformed X-Razorpay-Signature is 401 and nothing is stored; an unknown webhook key is 404")
    func forgedSignatures() async throws {
        try await API.run { api in
            // setup
            let tenant = try await api.seed("forged")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let contactID = try await api.contact(ownerToken, name: "Forged Contact")
            let (payment, checkout) = try await api.createOrder(ownerToken, contact: contactID, amount: 29500)
            let id = try #require(payment["id"] as? String)
            let orderID = try #require(checkout["order_id"] as? String)
            let body = RazorpayStandIn.paymentEvent(
                "payment.captured", paymentID: "pay_Forged0000001", orderID: orderID, amount: 29500, status: "captured")
            let good = RazorpayStandIn.webhookSignature(body: body, secret: tenant.webhookSecret)
            var tampered = body
            // The last digit of `created_at`: always changed (setting it to "9" left it as it
            // was whenever the clock's last digit was 9, and the forged body was accepted).
            let digit = tampered.count - 2
            tampered[digit] = tampered[digit] == UInt8(ascii: "9") ? UInt8(ascii: "8") : UInt8(ascii: "9")

            // act + check
            for (label, signature, sent) in [
                ("another secret", RazorpayStandIn.webhookSignature(body: body, secret: "whsec_someone_else"), body),
                ("the API key secret", RazorpayStandIn.webhookSignature(body: body, secret: api.razorpay.keySecret), body),
                ("empty", "", body), ("upper case", good.uppercased(), body), ("truncated", String(good.dropLast(2)), body),
                ("not hex", String(repeating: "z", count: 64), body), ("a changed body", good, tampered),
            ] {
                #expect(label != "a changed body" || sent != body, "the tampered body must differ")
                let reply = try await api.razorpay.postWebhook(
                    to: api.base + tenant.webhookPath, secret: tenant.webhookSecret, body: sent, eventID: "evt_forged_\(label)",
                    signature: signature)
                #expect(reply.status == 401, "\(label): \(reply.status) \(reply.body)")
                #expect(reply.body.contains("invalid-signature"), "\(label): \(reply.body)")
            }
            // No header at all.
            var request = HTTPClientRequestBuilder(url: api.base + tenant.webhookPath, body: body)
            request.headers.append(("X-Razorpay-Event-Id", "evt_forged_none"))
            #expect(try await request.send() == 401)
            // An unknown webhook key.
            let unknown = try await api.razorpay.postWebhook(
                to: api.base + "/v1/webhooks/razorpay/not-a-key", secret: tenant.webhookSecret, body: body, eventID: "evt_unknown")
            #expect(unknown.status == 404, "\(unknown.status) \(unknown.body)")

            // check: nothing stored, nothing changed
            #expect(try await api.count("razorpay_deliveries", in: tenant.id) == 0)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await api.payment(ownerToken, id)["status"] as? String == "created")
        }
    }

    @Test("PROVIDERS.md §2.4 vector: {\"a\":1,\"b\":2,\"c\":{\"d\":3}} with secret 123456 is accepted and stored; one changed digit is 401")
    func webhookSignatureVector() async throws {
        try await API.run { api in
            let tenant = try await api.seed("whvector", webhookSecret: "123456")
            let body = Array(#"{"a":1,"b":2,"c":{"d":3}}"#.utf8)
            let vector = "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc"
            #expect(RazorpayStandIn.webhookSignature(body: body, secret: "123456") == vector, "the stand-in disagrees with the vector")
            #expect(try await api.deliver(tenant, body, eventID: "evt_vector_bad", signature: String(vector.dropLast()) + "d") == 401)
            #expect(try await api.count("razorpay_deliveries", in: tenant.id) == 0)
            #expect(try await api.deliver(tenant, body, eventID: "evt_vector", signature: vector) == 200)
            #expect(try await api.count("razorpay_deliveries", in: tenant.id) == 1)
            // Not a Razorpay event: kept, marked processed, not retried forever.
            try await api.settleDeliveries(tenant.id)
        }
    }

    @Test("the same event delivered three times at once is stored and applied once: one timeline entry, one payment.captured")
    func concurrentDuplicates() async throws {
        try await API.run { api in
            // setup: the contact is owned by an agent, who listens
            let tenant = try await api.seed("dupes")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let agentToken = try await api.login(tenant, tenant.agent)
            let otherAgentToken = try await api.login(tenant, tenant.otherAgent)
            let contactID = try await api.contact(ownerToken, name: "Dupe Contact", owner: tenant.agent.id)
            let (payment, checkout) = try await api.createOrder(ownerToken, contact: contactID, amount: 29500)
            let id = try #require(payment["id"] as? String)
            let orderID = try #require(checkout["order_id"] as? String)
            let agentLive = try await api.listen(tenant, tenant.agent, token: agentToken)
            let ownerLive = try await api.listen(tenant, tenant.owner, token: ownerToken)
            let otherLive = try await api.listen(tenant, tenant.otherAgent, token: otherAgentToken)
            let paymentID = RazorpayStandIn.newID("pay_")
            let body = RazorpayStandIn.paymentEvent(
                "payment.captured", paymentID: paymentID, orderID: orderID, amount: 29500, status: "captured")

            // act
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 { group.addTask { try await api.deliver(tenant, body, eventID: "evt_dupe_0001") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            // check
            #expect(statuses == [200, 200, 200], "every copy is acknowledged: \(statuses)")
            try await api.waitForStatus(ownerToken, id, "captured")
            try await api.settleDeliveries(tenant.id)
            #expect(try await api.count("razorpay_deliveries", in: tenant.id) == 1)
            let captured = try #require(
                await API.event(agentLive, "payment.captured", payment: id), "the contact's owner never got payment.captured")
            #expect((captured["payment"] as? [String: Any])?["capturedAmount"] as? Int == 29500)
            #expect(await API.event(ownerLive, "payment.captured", payment: id) != nil, "the tenant owner never got payment.captured")
            try await api.settle(tenant, tenant.agent, agentLive)
            try await api.settle(tenant, tenant.otherAgent, otherLive)
            #expect(API.events(agentLive, "payment.captured", payment: id).count == 1, "payment.captured more than once")
            #expect(API.events(otherLive, "payment.captured", payment: id).isEmpty, "an agent who does not own the contact heard it")
            let entries = try await api.paymentTimeline(ownerToken, contact: contactID, payment: id)
            let capturedEntries = entries.filter { ($0["data"] as? [String: Any])?["status"] as? String == "captured" }
            #expect(capturedEntries.count == 1, "timeline: \(entries)")
            #expect((capturedEntries.first?["data"] as? [String: Any])?["amount"] as? Int == 29500)
            // A later redelivery with the same id is acknowledged and ignored.
            #expect(try await api.deliver(tenant, body, eventID: "evt_dupe_0001") == 200)
            #expect(try await api.count("razorpay_deliveries", in: tenant.id) == 1)
            for live in [agentLive, ownerLive, otherLive] { await live.close() }
        }
    }

    @Test("events in any order: failed then captured ends captured; captured then failed or authorized stays captured")
    func outOfOrder() async throws {
        try await API.run { api in
            // setup
            let tenant = try await api.seed("order")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let ownerLive = try await api.listen(tenant, tenant.owner, token: ownerToken)
            let contactID = try await api.contact(ownerToken, name: "Order Contact")
            func newOrder() async throws -> (id: String, orderID: String) {
                let (payment, checkout) = try await api.createOrder(ownerToken, contact: contactID, amount: 29500)
                return (try #require(payment["id"] as? String), try #require(checkout["order_id"] as? String))
            }
            func event(_ name: String, _ status: String, _ orderID: String, _ paymentID: String) -> [UInt8] {
                RazorpayStandIn.paymentEvent(
                    name, paymentID: paymentID, orderID: orderID, amount: 29500, status: status, errorCode: "BAD_REQUEST_ERROR",
                    errorDescription: "Payment was declined by the bank")
            }

            // act + check: failed, then captured (a UPI retry)
            let first = try await newOrder()
            let firstPay = RazorpayStandIn.newID("pay_")
            #expect(try await api.deliver(tenant, event("payment.failed", "failed", first.orderID, firstPay)) == 200)
            let failed = try await api.waitForStatus(ownerToken, first.id, "failed")
            #expect((failed["error"] as? [String: Any])?["code"] as? String == "BAD_REQUEST_ERROR")
            #expect((failed["error"] as? [String: Any])?["description"] as? String == "Payment was declined by the bank")
            #expect(await API.event(ownerLive, "payment.failed", payment: first.id) != nil, "no payment.failed")
            #expect(try await api.deliver(tenant, event("payment.captured", "captured", first.orderID, firstPay)) == 200)
            let recovered = try await api.waitForStatus(ownerToken, first.id, "captured")
            #expect(recovered["capturedAmount"] as? Int == 29500)
            #expect(await API.event(ownerLive, "payment.captured", payment: first.id) != nil)

            // captured, then a late failed
            let second = try await newOrder()
            let secondPay = RazorpayStandIn.newID("pay_")
            #expect(try await api.deliver(tenant, event("payment.captured", "captured", second.orderID, secondPay)) == 200)
            try await api.waitForStatus(ownerToken, second.id, "captured")
            #expect(try await api.deliver(tenant, event("payment.failed", "failed", second.orderID, secondPay)) == 200)
            // A failure of another attempt at the same order, too.
            #expect(try await api.deliver(tenant, event("payment.failed", "failed", second.orderID, RazorpayStandIn.newID("pay_"))) == 200)

            // captured, then a late authorized
            let third = try await newOrder()
            let thirdPay = RazorpayStandIn.newID("pay_")
            #expect(try await api.deliver(tenant, event("payment.captured", "captured", third.orderID, thirdPay)) == 200)
            try await api.waitForStatus(ownerToken, third.id, "captured")
            #expect(try await api.deliver(tenant, event("payment.authorized", "authorized", third.orderID, thirdPay)) == 200)

            // authorized, then captured
            let fourth = try await newOrder()
            let fourthPay = RazorpayStandIn.newID("pay_")
            #expect(try await api.deliver(tenant, event("payment.authorized", "authorized", fourth.orderID, fourthPay)) == 200)
            try await api.waitForStatus(ownerToken, fourth.id, "authorized")
            #expect(try await api.deliver(tenant, event("payment.captured", "captured", fourth.orderID, fourthPay)) == 200)
            try await api.waitForStatus(ownerToken, fourth.id, "captured")

            // check: nothing went back
            try await api.settleDeliveries(tenant.id)
            for (label, id) in [("captured then failed", second.id), ("captured then authorized", third.id)] {
                let payment = try await api.payment(ownerToken, id)
                #expect(payment["status"] as? String == "captured", "\(label): \(payment)")
                #expect(payment["capturedAmount"] as? Int == 29500, "\(label): \(payment)")
                #expect(API.isNull(payment["error"]), "\(label): a late failure was recorded on a captured payment: \(payment)")
            }
            #expect((try await api.payment(ownerToken, second.id)["razorpay"] as? [String: Any])?["paymentId"] as? String == secondPay)
            try await api.settle(tenant, tenant.owner, ownerLive)
            #expect(API.events(ownerLive, "payment.failed", payment: second.id).isEmpty, "a captured payment announced payment.failed")
            #expect(API.events(ownerLive, "payment.captured", payment: third.id).count == 1)
            // Every delivery was marked processed, none failed.
            #expect(try await api.count("razorpay_deliveries", in: tenant.id, where: "attempts > 0") == 0)
            await ownerLive.close()
        }
    }

    @Test("order.paid captures the order's payment")
    func orderPaid() async throws {
        try await API.run { api in
            let tenant = try await api.seed("orderpaid")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let contactID = try await api.contact(ownerToken, name: "Paid Contact")
            let (payment, checkout) = try await api.createOrder(ownerToken, contact: contactID, amount: 12300)
            let id = try #require(payment["id"] as? String)
            let orderID = try #require(checkout["order_id"] as? String)
            let paymentID = RazorpayStandIn.newID("pay_")
            #expect(
                try await api.deliver(tenant, RazorpayStandIn.orderPaidEvent(orderID: orderID, paymentID: paymentID, amount: 12300)) == 200)
            let paid = try await api.waitForStatus(ownerToken, id, "captured")
            #expect(paid["capturedAmount"] as? Int == 12300)
            #expect(paid["method"] as? String == "upi")
            #expect((paid["razorpay"] as? [String: Any])?["paymentId"] as? String == paymentID)
            #expect(paid["capturedAt"] is String)
            // payment.captured for the same payment afterwards changes nothing.
            #expect(
                try await api.deliver(
                    tenant,
                    RazorpayStandIn.paymentEvent(
                        "payment.captured", paymentID: paymentID, orderID: orderID, amount: 12300, status: "captured"))
                    == 200)
            try await api.settleDeliveries(tenant.id)
            let entries = try await api.paymentTimeline(ownerToken, contact: contactID, payment: id)
            #expect(entries.filter { ($0["data"] as? [String: Any])?["status"] as? String == "captured" }.count == 1, "\(entries)")
        }
    }

    @Test("a captured amount or currency other than the order's is flagged as a mismatch, visible in GET")
    func amountMismatch() async throws {
        try await API.run { api in
            let tenant = try await api.seed("mismatch")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let contactID = try await api.contact(ownerToken, name: "Mismatch Contact")
            let (payment, checkout) = try await api.createOrder(ownerToken, contact: contactID, amount: 29500)
            let id = try #require(payment["id"] as? String)
            let orderID = try #require(checkout["order_id"] as? String)
            #expect(API.isNull(payment["mismatch"]))

            // act: Razorpay reports 100 paise
            #expect(
                try await api.deliver(
                    tenant,
                    RazorpayStandIn.paymentEvent(
                        "payment.captured", paymentID: "pay_Mismatch00001", orderID: orderID, amount: 100, status: "captured"))
                    == 200)

            // check
            let flagged = try await api.waitFor(ownerToken, id, "a mismatch is flagged") { !API.isNull($0["mismatch"]) }
            let mismatch = flagged["mismatch"] as? String ?? ""
            #expect(mismatch.contains("100") && mismatch.contains("29500"), "\(mismatch)")
            #expect(flagged["amount"] as? Int == 29500, "the order's amount must not change")
            #expect(
                try await api.listIDs(ownerToken).contains(id))

            // A currency mismatch, too.
            let (other, otherCheckout) = try await api.createOrder(ownerToken, contact: contactID, amount: 29500)
            let otherID = try #require(other["id"] as? String)
            #expect(
                try await api.deliver(
                    tenant,
                    RazorpayStandIn.paymentEvent(
                        "payment.captured", paymentID: "pay_Mismatch00002", orderID: otherCheckout["order_id"] as? String, amount: 29500,
                        currency: "USD",
                        status: "captured")) == 200)
            let currency = try await api.waitFor(ownerToken, otherID, "a currency mismatch is flagged") { !API.isNull($0["mismatch"]) }
            #expect((currency["mismatch"] as? String)?.contains("USD") == true, "\(currency)")
        }
    }

    @Test("after the webhook secret changes, events signed with the previous one are still accepted; a random secret is not")
    func secretRotation() async throws {
        try await API.run { api in
            // setup: one delivery with the first secret (so any cache holds it)
            let tenant = try await api.seed("rotate")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let contactID = try await api.contact(ownerToken, name: "Rotate Contact")
            let (payment, checkout) = try await api.createOrder(ownerToken, contact: contactID, amount: 29500)
            let id = try #require(payment["id"] as? String)
            let orderID = try #require(checkout["order_id"] as? String)
            let paymentID = RazorpayStandIn.newID("pay_")
            let authorized = RazorpayStandIn.paymentEvent(
                "payment.authorized", paymentID: paymentID, orderID: orderID, amount: 29500, status: "authorized")
            #expect(try await api.deliver(tenant, authorized) == 200)
            let oldSecret = tenant.webhookSecret

            // act: rotate
            let newSecret = "whsec_rotated_\(UUID().uuidString.prefix(8))"
            let patched = try await api.send(
                .PATCH, "/v1/settings", token: ownerToken, json: #"{"integrations":{"razorpay":{"webhookSecret":"\#(newSecret)"}}}"#)
            try #require(patched.status == 200, "\(patched.body)")

            // check: the old secret still works (redeliveries), a random one does not
            let captured = RazorpayStandIn.paymentEvent(
                "payment.captured", paymentID: paymentID, orderID: orderID, amount: 29500, status: "captured")
            #expect(try await api.deliver(tenant, captured, secret: oldSecret, eventID: "evt_rotate_old") == 200)
            #expect(try await api.deliver(tenant, captured, secret: "whsec_random_\(UUID())", eventID: "evt_rotate_random") == 401)
            try await api.waitForStatus(ownerToken, id, "captured")
            // The new secret works, immediately.
            let started = ContinuousClock.now
            var status = try await api.deliver(tenant, captured, secret: newSecret, eventID: "evt_rotate_new")
            let firstStatus = status
            while status != 200, ContinuousClock.now - started < .seconds(15) {
                try await Task.sleep(for: .milliseconds(250))
                status = try await api.deliver(tenant, captured, secret: newSecret, eventID: "evt_rotate_new")
            }
            #expect(status == 200, "an event signed with the new secret was never accepted")
            #expect(
                firstStatus == 200,
                "an event signed with the new secret was refused (\(firstStatus)) for \(ContinuousClock.now - started) after the change")
            #expect(try await api.count("razorpay_deliveries", in: tenant.id, where: "event_id = 'evt_rotate_random'") == 0)
        }
    }

    @Test("tenants are apart: another tenant's owner gets 404, A's webhook with B's secret is 401, A's order posted to B changes nothing")
    func crossTenantIsolation() async throws {
        try await API.run { api in
            // setup
            let a = try await api.seed("tenant-a")
            let b = try await api.seed("tenant-b")
            let aToken = try await api.login(a, a.owner)
            let bToken = try await api.login(b, b.owner)
            let aContact = try await api.contact(aToken, name: "A Contact")
            let (payment, checkout) = try await api.createOrder(aToken, contact: aContact, amount: 29500)
            let id = try #require(payment["id"] as? String)
            let orderID = try #require(checkout["order_id"] as? String)
            let paymentID = RazorpayStandIn.newID("pay_")
            let captured = RazorpayStandIn.paymentEvent(
                "payment.captured", paymentID: paymentID, orderID: orderID, amount: 29500, status: "captured")

            // check: reads
            try await api.send(.GET, "/v1/payments/\(id)", token: bToken).expectProblem(404, "not-found")
            #expect(try await api.listIDs(bToken).isEmpty)
            try await api.send(.POST, "/v1/payments/\(id)/refunds", token: bToken, json: "{}").expectProblem(404, "not-found")
            try await api.order(bToken, #"{"contactId":"\#(aContact)","amount":100}"#).expectProblem(404, "not-found")
            let signature = RazorpayStandIn.checkoutSignature(orderID: orderID, paymentID: paymentID, keySecret: api.razorpay.keySecret)
            try await api.send(
                .POST, "/v1/payments/verify", token: bToken,
                json: ContactsAPI.json(["razorpay_order_id": orderID, "razorpay_payment_id": paymentID, "razorpay_signature": signature])
            ).expectProblem(404, "not-found")

            // act + check: A's webhook with B's secret
            #expect(try await api.deliver(a, captured, secret: b.webhookSecret, eventID: "evt_cross_1") == 401)
            #expect(try await api.count("razorpay_deliveries", in: a.id) == 0)
            // A's order posted to B's webhook (B's secret): acknowledged, kept by B, nothing in A
            #expect(try await api.deliver(b, captured, eventID: "evt_cross_2") == 200)
            try await api.settleDeliveries(b.id)
            #expect(try await api.count("razorpay_deliveries", in: b.id) == 1)
            #expect(try await api.count("razorpay_deliveries", in: a.id) == 0)
            #expect(try await api.payment(aToken, id)["status"] as? String == "created")
            #expect(try await api.count("payments", in: b.id) == 0)
            // The same event id is A's own to use.
            #expect(try await api.deliver(a, captured, eventID: "evt_cross_2") == 200)
            try await api.waitForStatus(aToken, id, "captured")
            try await api.send(.GET, "/v1/payments/\(id)", token: bToken).expectProblem(404, "not-found")
        }
    }
}

/// A bare POST to a webhook with only the headers given (no signature unless added).
struct HTTPClientRequestBuilder {
    let url: String
    let body: [UInt8]
    var headers: [(String, String)] = [("Content-Type", "application/json")]

    init(url: String, body: [UInt8]) {
        self.url = url
        self.body = body
    }

    func send() async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return Int(try await CallAPI.client.execute(request, timeout: .seconds(10)).status.code)
    }
}
