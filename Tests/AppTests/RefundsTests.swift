import Foundation
import Testing

/// Refunds end to end: limits (never more than captured), roles, Razorpay's
/// idempotency header and our Idempotency-Key, refunds reported by webhook
/// (ours settling, and ones made in Razorpay's dashboard), and the dashboard's revenue.
@Suite("Payments: refunds", .serialized)
struct RefundsTests {
    typealias API = PaymentsAPI

    static func refund(_ api: API, _ token: String, _ id: String, amount: Int? = nil, key: String? = nil) async throws -> CallAPI.Reply {
        try await api.send(
            .POST, "/v1/payments/\(id)/refunds", token: token, json: amount.map { #"{"amount":\#($0)}"# } ?? "{}",
            headers: key.map { [("Idempotency-Key", $0)] } ?? [])
    }

    @Test("a full refund, then partial refunds summing to the capture; one more is refund-too-large; never more than captured")
    func limits() async throws {
        try await API.run { api in
            // setup
            let tenant = try await api.seed("reflimits")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let adminToken = try await api.login(tenant, tenant.admin)
            let contactID = try await api.contact(ownerToken, name: "Refund Contact", owner: tenant.agent.id)
            let full = try await api.capturedPayment(tenant, token: ownerToken, contact: contactID, amount: 29500)
            let agentToken = try await api.login(tenant, tenant.agent)
            let agentLive = try await api.listen(tenant, tenant.agent, token: agentToken)

            // act: a full refund (no amount)
            let reply = try await Self.refund(api, ownerToken, full.id)

            // check
            try #require(reply.status == 201, "\(reply.status) \(reply.body)")
            let refund = try #require(reply.json["refund"] as? [String: Any])
            #expect(refund["amount"] as? Int == 29500)
            #expect(refund["status"] as? String == "processed")
            #expect((refund["razorpayRefundId"] as? String)?.hasPrefix("rfnd_") == true)
            let after = try #require(reply.json["payment"] as? [String: Any])
            #expect(after["status"] as? String == "refunded")
            #expect(after["refundedAmount"] as? Int == 29500)
            let sent = try #require(api.razorpay.requests.last)
            #expect(sent.path == "/v1/payments/\(full.razorpayPaymentID)/refund")
            #expect(sent.authorized)
            #expect((sent.idempotencyKey?.count ?? 0) >= 10, "no usable X-Refund-Idempotency: \(String(describing: sent.idempotencyKey))")
            #expect(sent.body?["amount"] == 29500)
            let refunded = try #require(
                await API.event(agentLive, "payment.refunded", payment: full.id), "the contact's owner never got payment.refunded")
            #expect((refunded["payment"] as? [String: Any])?["refundedAmount"] as? Int == 29500)
            let shown = try await api.payment(ownerToken, full.id)
            #expect((shown["refunds"] as? [[String: Any]])?.count == 1, "\(shown)")
            let tooMuch = try await Self.refund(api, ownerToken, full.id, amount: 100)
            tooMuch.expectProblem(422, "refund-too-large")
            try await Self.refund(api, adminToken, full.id).expectProblem(422, "refund-too-large")

            // act: partial refunds adding up to the capture
            let partial = try await api.capturedPayment(tenant, token: ownerToken, contact: contactID, amount: 29500)
            try await Self.refund(api, ownerToken, partial.id, amount: 29501).expectProblem(422, "refund-too-large")
            try await Self.refund(api, ownerToken, partial.id, amount: 99).expectProblem(422, "validation-failed")
            let first = try await Self.refund(api, adminToken, partial.id, amount: 10000)
            #expect(first.status == 201, "\(first.body)")
            #expect((first.json["payment"] as? [String: Any])?["status"] as? String == "partially_refunded")
            let over = try await Self.refund(api, ownerToken, partial.id, amount: 19501)
            let overDetail = over.expectProblem(422, "refund-too-large")["detail"] as? String ?? ""
            #expect(overDetail.contains("19500"), "the problem should say how much is left: \(overDetail)")
            let second = try await Self.refund(api, ownerToken, partial.id, amount: 19500)
            #expect(second.status == 201, "\(second.body)")
            #expect((second.json["payment"] as? [String: Any])?["status"] as? String == "refunded")
            #expect((second.json["payment"] as? [String: Any])?["refundedAmount"] as? Int == 29500)
            try await Self.refund(api, ownerToken, partial.id, amount: 100).expectProblem(422, "refund-too-large")
            #expect(api.razorpay.refunds.filter { $0.paymentID == partial.razorpayPaymentID }.map(\.amount) == [10000, 19500])
            let record = try await api.payment(ownerToken, partial.id)
            #expect(Set(((record["refunds"] as? [[String: Any]]) ?? []).compactMap { $0["amount"] as? Int }) == [10000, 19500])
            await agentLive.close()
        }
    }

    @Test("concurrent refunds never add up to more than was captured")
    func concurrentRefunds() async throws {
        try await API.run { api in
            let tenant = try await api.seed("refrace")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let contactID = try await api.contact(ownerToken, name: "Race Contact")
            let payment = try await api.capturedPayment(tenant, token: ownerToken, contact: contactID, amount: 30000)
            let replies = try await withThrowingTaskGroup(of: CallAPI.Reply.self) { group in
                for _ in 0..<5 { group.addTask { try await Self.refund(api, ownerToken, payment.id, amount: 10000) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.filter { $0.status == 201 }.count == 3, "\(replies.map { "\($0.status) \($0.body)" })")
            #expect(replies.filter { $0.status == 422 }.count == 2)
            #expect(api.razorpay.refunds.map(\.amount).reduce(0, +) == 30000)
            #expect(try await api.payment(ownerToken, payment.id)["refundedAmount"] as? Int == 30000)
        }
    }

    @Test("only captured payments are refundable (409); agents and customers may not refund (403)")
    func notRefundableAndRoles() async throws {
        try await API.run { api in
            let tenant = try await api.seed("refroles")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let agentToken = try await api.login(tenant, tenant.agent)
            let customerToken = try await api.login(tenant, tenant.customer)
            let contactID = try await api.contact(ownerToken, name: "Roles Contact", owner: tenant.agent.id, customer: tenant.customer.id)
            let created = try #require(try await api.createOrder(ownerToken, contact: contactID, amount: 29500).payment["id"] as? String)
            try await Self.refund(api, ownerToken, created).expectProblem(409, "not-refundable")
            try await Self.refund(api, ownerToken, created, amount: 100).expectProblem(409, "not-refundable")
            try await Self.refund(api, ownerToken, UUID().uuidString).expectProblem(404, "not-found")
            let captured = try await api.capturedPayment(tenant, token: ownerToken, contact: contactID, amount: 29500)
            // The customer and the agent can see it, but not refund it.
            #expect(try await api.payment(customerToken, captured.id)["status"] as? String == "captured")
            #expect(try await api.payment(agentToken, captured.id)["status"] as? String == "captured")
            try await Self.refund(api, agentToken, captured.id).expectProblem(403, "forbidden")
            try await Self.refund(api, customerToken, captured.id).expectProblem(403, "forbidden")
            #expect(api.razorpay.refunds.isEmpty)
            #expect(try await api.payment(ownerToken, captured.id)["status"] as? String == "captured")
        }
    }

    @Test("a retry with the same Idempotency-Key answers the same refund without a second Razorpay refund; another amount is refused")
    func idempotentRetry() async throws {
        try await API.run { api in
            let tenant = try await api.seed("refidem")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let contactID = try await api.contact(ownerToken, name: "Idem Refund")
            let payment = try await api.capturedPayment(tenant, token: ownerToken, contact: contactID, amount: 29500)

            let first = try await Self.refund(api, ownerToken, payment.id, amount: 5000, key: "refund-key-1")
            try #require(first.status == 201, "\(first.body)")
            let replay = try await Self.refund(api, ownerToken, payment.id, amount: 5000, key: "refund-key-1")
            #expect(replay.status == 201, "\(replay.body)")
            #expect(replay.headers.first(name: "idempotent-replayed") == "true")
            #expect(
                (replay.json["refund"] as? [String: Any])?["id"] as? String == (first.json["refund"] as? [String: Any])?["id"] as? String)
            #expect(api.razorpay.refunds.count == 1, "a replay refunded twice")
            try await Self.refund(api, ownerToken, payment.id, amount: 6000, key: "refund-key-1").expectProblem(
                422, "idempotency-key-reused")
            #expect(api.razorpay.refunds.count == 1)
            #expect(try await api.payment(ownerToken, payment.id)["refundedAmount"] as? Int == 5000)

            // act: Razorpay fails with a 5xx; the retry with the same key goes through, with the same X-Refund-Idempotency
            api.razorpay.failNext([.http(status: 500, code: "SERVER_ERROR", description: "Something went wrong")])
            let failed = try await Self.refund(api, ownerToken, payment.id, amount: 7000, key: "refund-key-2")
            let detail = failed.expectProblem(502, "payment-provider-error")["detail"] as? String ?? ""
            #expect(detail.contains("Retry"), "\(detail)")
            // While it is unresolved it counts against the limit.
            try await Self.refund(api, ownerToken, payment.id, amount: 29500 - 5000 - 7000 + 100).expectProblem(422, "refund-too-large")
            let retried = try await Self.refund(api, ownerToken, payment.id, amount: 7000, key: "refund-key-2")
            #expect(retried.status == 201, "\(retried.body)")
            #expect((retried.json["refund"] as? [String: Any])?["status"] as? String == "processed")
            let attempts = api.razorpay.requests.filter { $0.path.hasSuffix("/refund") && $0.body?["amount"] == 7000 }
            #expect(attempts.count == 2)
            #expect(
                Set(attempts.map(\.idempotencyKey)).count == 1,
                "the retry used another X-Refund-Idempotency: \(attempts.map(\.idempotencyKey))")
            #expect(try await api.payment(ownerToken, payment.id)["refundedAmount"] as? Int == 12000)

            // act: Razorpay refuses with a 400: the refund fails and frees the amount
            api.razorpay.failNext([
                .http(status: 400, code: "BAD_REQUEST_ERROR", description: "The refund amount provided is greater than amount captured")
            ])
            try await Self.refund(api, ownerToken, payment.id, amount: 8000).expectProblem(502, "payment-provider-error")
            let record = try await api.payment(ownerToken, payment.id)
            #expect(record["refundedAmount"] as? Int == 12000)
            #expect(
                ((record["refunds"] as? [[String: Any]]) ?? []).contains {
                    $0["status"] as? String == "failed" && $0["amount"] as? Int == 8000
                })
            #expect(try await Self.refund(api, ownerToken, payment.id, amount: 17500).status == 201)
        }
    }

    @Test("refund webhooks: ours settle without duplicates; one made in Razorpay's dashboard is recorded; a failed one frees the amount")
    func refundWebhooks() async throws {
        try await API.run { api in
            // setup
            let tenant = try await api.seed("refhooks")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let ownerLive = try await api.listen(tenant, tenant.owner, token: ownerToken)
            let contactID = try await api.contact(ownerToken, name: "Hook Refund")
            let payment = try await api.capturedPayment(tenant, token: ownerToken, contact: contactID, amount: 30000)
            let ours = try await Self.refund(api, ownerToken, payment.id, amount: 10000)
            try #require(ours.status == 201, "\(ours.body)")
            let oursID = try #require((ours.json["refund"] as? [String: Any])?["razorpayRefundId"] as? String)

            // act: Razorpay reports our refund processed (again)
            #expect(
                try await api.deliver(
                    tenant,
                    RazorpayStandIn.refundEvent(
                        "refund.processed", refundID: oursID, paymentID: payment.razorpayPaymentID, amount: 10000, status: "processed",
                        paymentAmount: 30000)) == 200)
            try await api.settleDeliveries(tenant.id)
            var record = try await api.payment(ownerToken, payment.id)
            #expect((record["refunds"] as? [[String: Any]])?.count == 1, "our refund was recorded twice: \(record)")
            #expect(record["refundedAmount"] as? Int == 10000)

            // act: a refund made in Razorpay's dashboard: created (pending), then processed
            let dashboardID = RazorpayStandIn.newID("rfnd_")
            #expect(
                try await api.deliver(
                    tenant,
                    RazorpayStandIn.refundEvent(
                        "refund.created", refundID: dashboardID, paymentID: payment.razorpayPaymentID, amount: 5000, status: "pending",
                        paymentAmount: 30000)) == 200)
            record = try await api.waitFor(ownerToken, payment.id, "the dashboard refund is recorded") {
                (($0["refunds"] as? [[String: Any]]) ?? []).contains { $0["razorpayRefundId"] as? String == dashboardID }
            }
            let pending = ((record["refunds"] as? [[String: Any]]) ?? []).first { $0["razorpayRefundId"] as? String == dashboardID }
            #expect(pending?["status"] as? String == "pending")
            #expect(pending?["amount"] as? Int == 5000)
            #expect(record["refundedAmount"] as? Int == 15000)
            #expect(record["status"] as? String == "partially_refunded")
            #expect(
                try await api.deliver(
                    tenant,
                    RazorpayStandIn.refundEvent(
                        "refund.processed", refundID: dashboardID, paymentID: payment.razorpayPaymentID, amount: 5000, status: "processed",
                        paymentAmount: 30000)) == 200)
            record = try await api.waitFor(ownerToken, payment.id, "the dashboard refund is processed") {
                (($0["refunds"] as? [[String: Any]]) ?? []).contains {
                    $0["razorpayRefundId"] as? String == dashboardID && $0["status"] as? String == "processed"
                }
            }
            // A late refund.created does not take it back to pending.
            #expect(
                try await api.deliver(
                    tenant,
                    RazorpayStandIn.refundEvent(
                        "refund.created", refundID: dashboardID, paymentID: payment.razorpayPaymentID, amount: 5000, status: "pending",
                        paymentAmount: 30000)) == 200)
            try await api.settleDeliveries(tenant.id)
            record = try await api.payment(ownerToken, payment.id)
            let settled = ((record["refunds"] as? [[String: Any]]) ?? []).first { $0["razorpayRefundId"] as? String == dashboardID }
            #expect(settled?["status"] as? String == "processed")
            #expect((record["refunds"] as? [[String: Any]])?.count == 2)

            // act: a dashboard refund that fails frees its amount
            let failingID = RazorpayStandIn.newID("rfnd_")
            #expect(
                try await api.deliver(
                    tenant,
                    RazorpayStandIn.refundEvent(
                        "refund.created", refundID: failingID, paymentID: payment.razorpayPaymentID, amount: 15000, status: "pending",
                        paymentAmount: 30000)) == 200)
            try await api.waitFor(ownerToken, payment.id, "the second dashboard refund counts") { $0["status"] as? String == "refunded" }
            #expect(
                try await api.deliver(
                    tenant,
                    RazorpayStandIn.refundEvent(
                        "refund.failed", refundID: failingID, paymentID: payment.razorpayPaymentID, amount: 15000, status: "failed",
                        paymentAmount: 30000)) == 200)
            record = try await api.waitFor(ownerToken, payment.id, "the failed refund is taken off") {
                $0["refundedAmount"] as? Int == 15000
            }
            #expect(record["status"] as? String == "partially_refunded")
            #expect(await API.event(ownerLive, "payment.refunded", payment: payment.id) != nil, "no payment.refunded")
            // A refund event for a payment this tenant does not have is kept and ignored.
            #expect(
                try await api.deliver(
                    tenant,
                    RazorpayStandIn.refundEvent(
                        "refund.processed", refundID: RazorpayStandIn.newID("rfnd_"), paymentID: "pay_NotOurs0000001", amount: 100,
                        status: "processed"))
                    == 200)
            try await api.settleDeliveries(tenant.id)
            #expect(try await api.count("razorpay_deliveries", in: tenant.id, where: "attempts > 0") == 0)
            await ownerLive.close()
        }
    }

    @Test("the dashboard's revenue counts captured and refunded money per currency; agents see their own contacts' only")
    func dashboardRevenue() async throws {
        try await API.run { api in
            // setup: two captured payments (one of the agent's contact), one refund, one uncaptured order
            let tenant = try await api.seed("revenue")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let agentToken = try await api.login(tenant, tenant.agent)
            let mine = try await api.contact(ownerToken, name: "Agent's Contact", owner: tenant.agent.id)
            let theirs = try await api.contact(ownerToken, name: "Other Contact", owner: tenant.otherAgent.id)
            let first = try await api.capturedPayment(tenant, token: ownerToken, contact: mine, amount: 29500)
            _ = try await api.capturedPayment(tenant, token: ownerToken, contact: theirs, amount: 10000)
            _ = try await api.createOrder(ownerToken, contact: mine, amount: 77700)
            #expect(try await Self.refund(api, ownerToken, first.id, amount: 5000).status == 201)

            // check
            func revenue(_ token: String) async throws -> [[String: Any]] {
                let reply = try await api.send(.GET, "/v1/dashboard", token: token)
                try #require(reply.status == 200, "\(reply.body)")
                return try #require(reply.json["revenue"] as? [[String: Any]], "no revenue: \(reply.body)")
            }
            let all = try await revenue(ownerToken)
            #expect(all.count == 1, "\(all)")
            #expect(all.first?["currency"] as? String == "INR")
            #expect(all.first?["payments"] as? Int == 2)
            #expect(all.first?["captured"] as? Int == 39500)
            #expect(all.first?["refunded"] as? Int == 5000)
            #expect(all.first?["net"] as? Int == 34500)
            let own = try await revenue(agentToken)
            #expect(own.first?["captured"] as? Int == 29500, "\(own)")
            #expect(own.first?["net"] as? Int == 24500)
            let future = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
            let later = ISO8601DateFormatter().string(from: Date().addingTimeInterval(7200))
            let empty = try await api.send(.GET, "/v1/dashboard?from=\(future)&to=\(later)", token: ownerToken)
            #expect((empty.json["revenue"] as? [Any])?.isEmpty == true, "\(empty.body)")
        }
    }
}
