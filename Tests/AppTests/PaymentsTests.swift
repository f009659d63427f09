import Foundation
import Testing

/// Payments end to end: orders for Checkout, its verification, payment links,
/// idempotency, Razorpay's errors, products, customers paying for themselves and
/// the list. The real application on its own database over real sockets, with the
/// Razorpay stand-in as every tenant's Razorpay.
@Suite("Payments: orders, checkout, links, products", .serialized)
struct PaymentsTests {
    typealias API = PaymentsAPI

    @Test("an order is made at Razorpay with the tenant's key; Checkout's signature authorizes it, a forged one changes nothing")
    func orderAndCheckoutVerification() async throws {
        try await API.run { api in
            // setup
            let tenant = try await api.seed("checkout")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let contactID = try await api.contact(ownerToken, name: "Asha Rao")

            // act
            let reply = try await api.order(ownerToken, #"{"contactId":"\#(contactID)","amount":29500,"description":"Consultation"}"#)

            // check: 201 with what Checkout needs
            try #require(reply.status == 201, "\(reply.status) \(reply.body)")
            let payment = try #require(reply.json["payment"] as? [String: Any])
            let checkout = try #require(reply.json["checkout"] as? [String: Any])
            let id = try #require(payment["id"] as? String)
            #expect(reply.headers.first(name: "location") == "/v1/payments/\(id)")
            #expect(reply.headers.first(name: "idempotent-replayed") == nil)
            #expect(payment["status"] as? String == "created")
            #expect(payment["kind"] as? String == "order")
            #expect(payment["amount"] as? Int == 29500)
            #expect(payment["currency"] as? String == "INR")
            #expect(payment["contactId"] as? String == contactID)
            #expect(payment["description"] as? String == "Consultation")
            let order = try #require(api.razorpay.orders.first, "no order at Razorpay")
            #expect(api.razorpay.orders.count == 1)
            #expect(checkout["key"] as? String == api.razorpay.keyID)
            #expect(checkout["order_id"] as? String == order.id)
            #expect(checkout["amount"] as? Int == 29500)
            #expect(checkout["currency"] as? String == "INR")
            #expect((checkout["prefill"] as? [String: Any])?["name"] as? String == "Asha Rao")
            #expect((payment["razorpay"] as? [String: Any])?["orderId"] as? String == order.id)
            let request = try #require(api.razorpay.requests.first)
            #expect(request.path == "/v1/orders")
            #expect(request.authorized, "Razorpay was not called with the tenant's Basic credentials")
            #expect(request.body?["amount"] == 29500, "amount must be integer paise: \(request.rawBody)")
            #expect(request.body?["currency"] == "INR")
            #expect(request.body?["notes"]?["switchboard_payment_id"]?.string?.lowercased() == id.lowercased())
            #expect(order.receipt.map { $0.count <= 40 } ?? true)

            // act: a forged signature, an upper-case copy of the real one, then the real one
            let paymentID = RazorpayStandIn.newID("pay_")
            let good = RazorpayStandIn.checkoutSignature(orderID: order.id, paymentID: paymentID, keySecret: api.razorpay.keySecret)
            let forged = RazorpayStandIn.checkoutSignature(orderID: order.id, paymentID: paymentID, keySecret: "not-the-secret")
            for signature in [forged, good.uppercased(), String(good.dropLast(2)) + "00", ""] where signature != good {
                let refused = try await api.send(
                    .POST, "/v1/payments/verify", token: ownerToken,
                    json: ContactsAPI.json([
                        "razorpay_order_id": order.id, "razorpay_payment_id": paymentID, "razorpay_signature": signature,
                    ]))
                if signature.isEmpty {
                    refused.expectProblem(422, "validation-failed")
                } else {
                    refused.expectProblem(422, "invalid-payment-signature")
                }
            }
            let unchanged = try await api.payment(ownerToken, id)
            #expect(unchanged["status"] as? String == "created", "a forged signature changed the payment: \(unchanged)")
            #expect(API.isNull((unchanged["razorpay"] as? [String: Any])?["paymentId"]))
            // A signature over another order's id does not verify this one.
            try await api.send(
                .POST, "/v1/payments/verify", token: ownerToken,
                json: ContactsAPI.json([
                    "razorpay_order_id": "order_Unknown000001", "razorpay_payment_id": paymentID, "razorpay_signature": good,
                ])
            ).expectProblem(404, "not-found")

            let verified = try await api.send(
                .POST, "/v1/payments/verify", token: ownerToken,
                json: ContactsAPI.json(["razorpay_order_id": order.id, "razorpay_payment_id": paymentID, "razorpay_signature": good]))
            try #require(verified.status == 200, "\(verified.status) \(verified.body)")
            #expect(verified.json["status"] as? String == "authorized")
            #expect((verified.json["razorpay"] as? [String: Any])?["paymentId"] as? String == paymentID)
            #expect(verified.json["authorizedAt"] is String)
            #expect(try await api.payment(ownerToken, id)["status"] as? String == "authorized")
            // Verifying again is harmless.
            let again = try await api.send(
                .POST, "/v1/payments/verify", token: ownerToken,
                json: ContactsAPI.json(["razorpay_order_id": order.id, "razorpay_payment_id": paymentID, "razorpay_signature": good]))
            #expect(again.status == 200 && again.json["status"] as? String == "authorized", "\(again.body)")
        }
    }

    @Test(
        "PROVIDERS.md §2.3 vector: key secret my_key_secret, order_DESlLckIVRkHWj|pay_DESlfW9H8K9uqM verifies; one changed digit does not")
    func checkoutSignatureVector() async throws {
        try await API.run { api in
            // setup: a tenant whose key secret is the vector's, and a payment for the vector's order
            let tenant = try await api.seed("vector")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let patched = try await api.send(
                .PATCH, "/v1/settings", token: ownerToken, json: #"{"integrations":{"razorpay":{"keySecret":"my_key_secret"}}}"#)
            try #require(patched.status == 200, "\(patched.body)")
            let contactID = try #require(UUID(uuidString: try await api.contact(ownerToken, name: "Vector Contact")))
            let paymentID = UUID()
            try await api.app.database.withTenant(tenant.id, logger: API.logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO payments (id, tenant_id, kind, contact_id, amount_minor, currency, status, razorpay_order_id, created_by)
                    VALUES (\(paymentID), \(tenant.id), 'order', \(contactID), 100, 'INR', 'created', 'order_DESlLckIVRkHWj', \(tenant.owner.id))
                    """, logger: API.logger)
            }
            let vector = "75d567d0e5219ff588ded9c12c2d8241fb1b1353ae9cf2c964f92232106a8b6d"
            func verify(_ signature: String) async throws -> CallAPI.Reply {
                try await api.send(
                    .POST, "/v1/payments/verify", token: ownerToken,
                    json: ContactsAPI.json([
                        "razorpay_order_id": "order_DESlLckIVRkHWj", "razorpay_payment_id": "pay_DESlfW9H8K9uqM",
                        "razorpay_signature": signature,
                    ]))
            }

            // act + check
            try await verify(String(vector.dropLast()) + "c").expectProblem(422, "invalid-payment-signature")
            #expect(try await api.payment(ownerToken, paymentID.uuidString)["status"] as? String == "created")
            let verified = try await verify(vector)
            #expect(verified.status == 200, "\(verified.body)")
            #expect(verified.json["status"] as? String == "authorized")
        }
    }

    @Test("Idempotency-Key is required; a replay answers the same payment with Idempotent-Replayed; another body with the key is refused")
    func idempotency() async throws {
        try await API.run { api in
            // setup
            let tenant = try await api.seed("idem")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let contactID = try await api.contact(ownerToken, name: "Idem Contact")
            let body = #"{"contactId":"\#(contactID)","amount":50000}"#

            // check: no key → 422 and nothing asked of Razorpay
            let missing = try await api.order(ownerToken, body, key: nil)
            let problem = missing.expectProblem(422, "validation-failed")
            #expect("\(problem)".contains("Idempotency-Key"), "\(missing.body)")
            try await api.send(.POST, "/v1/payments/links", token: ownerToken, json: body).expectProblem(422, "validation-failed")
            #expect(api.razorpay.requests.isEmpty)

            // act: the same request twice
            let first = try await api.order(ownerToken, body, key: "order-key-1")
            try #require(first.status == 201, "\(first.body)")
            let replay = try await api.order(ownerToken, body, key: "order-key-1")

            // check
            #expect(replay.status == 201, "\(replay.body)")
            #expect(replay.headers.first(name: "idempotent-replayed") == "true")
            let firstID = (first.json["payment"] as? [String: Any])?["id"] as? String
            #expect((replay.json["payment"] as? [String: Any])?["id"] as? String == firstID)
            #expect(
                (replay.json["checkout"] as? [String: Any])?["order_id"] as? String
                    == (first.json["checkout"] as? [String: Any])?["order_id"] as? String)
            #expect(api.razorpay.orders.count == 1, "a replay made another Razorpay order")
            let reused = try await api.order(ownerToken, #"{"contactId":"\#(contactID)","amount":50100}"#, key: "order-key-1")
            reused.expectProblem(422, "idempotency-key-reused")
            #expect(api.razorpay.orders.count == 1)
            #expect(try await api.listIDs(ownerToken) == [firstID].compactMap { $0 })
            // The same key is another user's own.
            let adminToken = try await api.login(tenant, tenant.admin)
            let admins = try await api.order(adminToken, body, key: "order-key-1")
            #expect(admins.status == 201 && admins.headers.first(name: "idempotent-replayed") == nil, "\(admins.body)")

            // act: three at once with one key
            let replies = try await withThrowingTaskGroup(of: CallAPI.Reply.self) { group in
                for _ in 0..<3 { group.addTask { try await api.order(ownerToken, body, key: "order-key-race") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == 201 }, "\(replies.map { "\($0.status) \($0.body)" })")
            let raceIDs = Set(replies.compactMap { ($0.json["payment"] as? [String: Any])?["id"] as? String })
            #expect(raceIDs.count == 1, "one key made several payments: \(raceIDs)")
            #expect(try await api.listIDs(ownerToken).count == 3)
        }
    }

    @Test("Razorpay's refusals and failures are clear 502 problems and leave no payment behind; a 5xx says to retry")
    func providerErrors() async throws {
        try await API.run { api in
            // setup
            let tenant = try await api.seed("rzperr")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let contactID = try await api.contact(ownerToken, name: "Err Contact")
            let body = #"{"contactId":"\#(contactID)","amount":29500}"#

            // act: a 400 BAD_REQUEST_ERROR
            api.razorpay.failNext([
                .http(status: 400, code: "BAD_REQUEST_ERROR", description: "The amount must be at least INR 1.00", field: "amount")
            ])
            let refused = try await api.order(ownerToken, body, key: "err-1")
            let problem = refused.expectProblem(502, "payment-provider-error")
            let detail = problem["detail"] as? String ?? ""
            #expect(detail.contains("BAD_REQUEST_ERROR") && detail.contains("The amount must be at least INR 1.00"), "\(detail)")
            #expect(detail.contains("400"), "\(detail)")
            #expect(!detail.contains("Retry"), "a 400 will not succeed on retry: \(detail)")
            #expect(try await api.listIDs(ownerToken).isEmpty, "a refused order left a payment behind")

            // act: a 500, then the retry with the same key
            api.razorpay.failNext([
                .http(status: 500, code: "SERVER_ERROR", description: "We are facing some trouble completing your request")
            ])
            let failed = try await api.order(ownerToken, body, key: "err-2")
            let failedDetail = failed.expectProblem(502, "payment-provider-error")["detail"] as? String ?? ""
            #expect(failedDetail.contains("Retry"), "a 5xx should say to retry: \(failedDetail)")
            #expect(try await api.listIDs(ownerToken).isEmpty)
            let retried = try await api.order(ownerToken, body, key: "err-2")
            #expect(retried.status == 201, "\(retried.body)")
            #expect(retried.headers.first(name: "idempotent-replayed") == nil)

            // act: the connection drops mid-call
            api.razorpay.failNext([.dropConnection])
            let dropped = try await api.order(ownerToken, body, key: "err-3")
            let droppedDetail = dropped.expectProblem(502, "payment-provider-error")["detail"] as? String ?? ""
            #expect(droppedDetail.contains("Retry"), "\(droppedDetail)")
            #expect(try await api.listIDs(ownerToken).count == 1)

            // act: links fail the same way
            api.razorpay.failNext([.http(status: 400, code: "BAD_REQUEST_ERROR", description: "customer contact is invalid")])
            try await api.send(
                .POST, "/v1/payments/links", token: ownerToken, json: body, headers: [("Idempotency-Key", "err-link")]
            ).expectProblem(502, "payment-provider-error")
            #expect(try await api.listIDs(ownerToken).count == 1)

            // A tenant without Razorpay keys is told so, and Razorpay is not called.
            let bare = try await api.seed("rzpbare", configure: false)
            let bareToken = try await api.login(bare, bare.owner)
            let bareContact = try await api.contact(bareToken, name: "Bare Contact")
            let before = api.razorpay.requests.count
            try await api.order(bareToken, #"{"contactId":"\#(bareContact)","amount":29500}"#).expectProblem(422, "razorpay-not-configured")
            #expect(api.razorpay.requests.count == before)
        }
    }

    @Test("order validation: contact required for staff, amount bounds, unknown contact 404, a product's price is its amount")
    func orderValidation() async throws {
        try await API.run { api in
            let tenant = try await api.seed("orderval")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let contactID = try await api.contact(ownerToken, name: "Val Contact")
            try await api.order(ownerToken, #"{"amount":29500}"#).expectProblem(422, "validation-failed")
            try await api.order(ownerToken, #"{"contactId":"\#(contactID)"}"#).expectProblem(422, "validation-failed")
            try await api.order(ownerToken, #"{"contactId":"\#(contactID)","amount":99}"#).expectProblem(422, "validation-failed")
            // Not a whole number of paise: a type error in the body.
            try await api.order(ownerToken, #"{"contactId":"\#(contactID)","amount":295.5}"#).expectProblem(400, "malformed-request")
            try await api.order(ownerToken, #"{"contactId":"\#(contactID)","amount":29500,"currency":"inr"}"#)
                .expectProblem(422, "validation-failed")
            try await api.order(ownerToken, #"{"contactId":"\#(UUID())","amount":29500}"#).expectProblem(404, "not-found")
            try await api.order(ownerToken, #"{"contactId":"\#(contactID)","productId":"\#(UUID())"}"#).expectProblem(404, "not-found")
            #expect(api.razorpay.requests.isEmpty, "invalid orders reached Razorpay: \(api.razorpay.requests.map(\.rawBody))")

            let product = try await api.send(.POST, "/v1/products", token: ownerToken, json: #"{"name":"Gold plan","price":149900}"#)
            let productID = try #require(product.json["id"] as? String, "\(product.body)")
            try await api.order(ownerToken, #"{"contactId":"\#(contactID)","productId":"\#(productID)","amount":100}"#)
                .expectProblem(422, "validation-failed")
            let ordered = try await api.order(ownerToken, #"{"contactId":"\#(contactID)","productId":"\#(productID)"}"#)
            try #require(ordered.status == 201, "\(ordered.body)")
            #expect((ordered.json["payment"] as? [String: Any])?["amount"] as? Int == 149900)
            #expect((ordered.json["payment"] as? [String: Any])?["productId"] as? String == productID)
            #expect(api.razorpay.orders.last?.amount == 149900)
        }
    }

    @Test(
        "products: owners and admins create and change them, with validation; customers see active ones only; an inactive one can't be ordered"
    )
    func products() async throws {
        try await API.run { api in
            // setup
            let tenant = try await api.seed("catalog")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let adminToken = try await api.login(tenant, tenant.admin)
            let agentToken = try await api.login(tenant, tenant.agent)
            let customerToken = try await api.login(tenant, tenant.customer)

            // act + check: create
            let created = try await api.send(.POST, "/v1/products", token: ownerToken, json: #"{"name":"  Basic plan ","price":29900}"#)
            try #require(created.status == 201, "\(created.body)")
            let basicID = try #require(created.json["id"] as? String)
            #expect(created.headers.first(name: "location") == "/v1/products/\(basicID)")
            #expect(created.json["name"] as? String == "Basic plan")
            #expect(created.json["price"] as? Int == 29900)
            #expect(created.json["currency"] as? String == "INR")
            #expect(created.json["active"] as? Bool == true)
            let byAdmin = try await api.send(
                .POST, "/v1/products", token: adminToken, json: #"{"name":"Retired plan","price":9900,"currency":"USD","active":false}"#)
            try #require(byAdmin.status == 201, "\(byAdmin.body)")
            let retiredID = try #require(byAdmin.json["id"] as? String)
            #expect(byAdmin.json["active"] as? Bool == false)
            try await api.send(.POST, "/v1/products", token: agentToken, json: #"{"name":"X","price":1000}"#).expectProblem(
                403, "forbidden")
            try await api.send(.POST, "/v1/products", token: customerToken, json: #"{"name":"X","price":1000}"#).expectProblem(
                403, "forbidden")
            for bad in [
                #"{"name":"","price":1000}"#, #"{"name":"X","price":99}"#, #"{"name":"X","price":1000,"currency":"inr"}"#,
                #"{"name":"X","price":10.5}"#, #"{"price":1000}"#, #"{"name":"\#(String(repeating: "n", count: 201))","price":1000}"#,
            ] {
                let reply = try await api.send(.POST, "/v1/products", token: ownerToken, json: bad)
                #expect(reply.status == 422 || reply.status == 400, "\(bad) → \(reply.status) \(reply.body)")
            }

            // check: lists
            func ids(_ token: String) async throws -> [String] {
                let reply = try await api.send(.GET, "/v1/products", token: token)
                #expect(reply.status == 200, "\(reply.body)")
                return ContactsAPI.ids((reply.json["items"] as? [[String: Any]]) ?? [])
            }
            #expect(Set(try await ids(ownerToken)) == [basicID, retiredID])
            #expect(Set(try await ids(agentToken)) == [basicID, retiredID])
            #expect(try await ids(customerToken) == [basicID])
            #expect(try await api.send(.GET, "/v1/products/\(retiredID)", token: agentToken).status == 200)
            try await api.send(.GET, "/v1/products/\(retiredID)", token: customerToken).expectProblem(404, "not-found")
            try await api.send(.GET, "/v1/products/\(UUID())", token: ownerToken).expectProblem(404, "not-found")
            let page = try await api.send(.GET, "/v1/products?limit=1", token: ownerToken)
            #expect((page.json["items"] as? [Any])?.count == 1)
            let cursor = try #require(page.json["nextCursor"] as? String, "\(page.body)")
            let second = try await api.send(.GET, "/v1/products?limit=1&cursor=\(cursor)", token: ownerToken)
            #expect((second.json["items"] as? [Any])?.count == 1, "\(second.body)")

            // act + check: changes
            let patched = try await api.send(
                .PATCH, "/v1/products/\(basicID)", token: adminToken, json: #"{"price":34900,"name":"Basic+"}"#)
            #expect(patched.status == 200, "\(patched.body)")
            #expect(patched.json["price"] as? Int == 34900)
            #expect(patched.json["name"] as? String == "Basic+")
            #expect(patched.json["currency"] as? String == "INR")
            try await api.send(.PATCH, "/v1/products/\(basicID)", token: ownerToken, json: "{}").expectProblem(422, "validation-failed")
            try await api.send(.PATCH, "/v1/products/\(basicID)", token: ownerToken, json: #"{"price":5}"#).expectProblem(
                422, "validation-failed")
            try await api.send(.PATCH, "/v1/products/\(UUID())", token: ownerToken, json: #"{"active":false}"#).expectProblem(
                404, "not-found")
            try await api.send(.PATCH, "/v1/products/\(basicID)", token: agentToken, json: #"{"active":false}"#).expectProblem(
                403, "forbidden")

            // check: an inactive product cannot be ordered, by staff or customers
            let contactID = try await api.contact(ownerToken, name: "Catalog Contact")
            try await api.order(ownerToken, #"{"contactId":"\#(contactID)","productId":"\#(retiredID)"}"#).expectProblem(404, "not-found")
            try await api.order(customerToken, #"{"productId":"\#(retiredID)"}"#).expectProblem(404, "not-found")
            let deactivated = try await api.send(.PATCH, "/v1/products/\(basicID)", token: ownerToken, json: #"{"active":false}"#)
            #expect(deactivated.json["active"] as? Bool == false)
            try await api.order(customerToken, #"{"productId":"\#(basicID)"}"#).expectProblem(404, "not-found")
            #expect(try await ids(customerToken).isEmpty)
            #expect(api.razorpay.orders.isEmpty)

            // Another tenant's products are not there.
            let other = try await api.seed("catalog-other")
            let otherToken = try await api.login(other, other.owner)
            try await api.send(.GET, "/v1/products/\(basicID)", token: otherToken).expectProblem(404, "not-found")
            try await api.send(.PATCH, "/v1/products/\(basicID)", token: otherToken, json: #"{"active":true}"#).expectProblem(
                404, "not-found")
            #expect(try await ids(otherToken).isEmpty)
        }
    }

    @Test("a customer orders a product for themselves, sees only their own payments, verifies, and hears payment.captured")
    func customerPaysForThemselves() async throws {
        try await API.run { api in
            // setup
            let tenant = try await api.seed("portalpay")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let customerToken = try await api.login(tenant, tenant.customer)
            let otherCustomerToken = try await api.login(tenant, tenant.otherCustomer)
            let product = try await api.send(.POST, "/v1/products", token: ownerToken, json: #"{"name":"Session","price":59900}"#)
            let productID = try #require(product.json["id"] as? String, "\(product.body)")
            let someoneElse = try await api.contact(ownerToken, name: "Someone Else")
            let staffPayment = try await api.createOrder(ownerToken, contact: someoneElse, amount: 10000).payment
            let customerLive = try await api.listen(tenant, tenant.customer, token: customerToken)

            // check: what customers may not do
            try await api.order(customerToken, #"{"productId":"\#(productID)","contactId":"\#(someoneElse)"}"#).expectProblem(
                403, "forbidden")
            try await api.order(customerToken, #"{"amount":100000}"#).expectProblem(422, "validation-failed")
            try await api.send(
                .POST, "/v1/payments/links", token: customerToken, json: #"{"productId":"\#(productID)"}"#,
                headers: [("Idempotency-Key", "cust-link")]
            ).expectProblem(403, "forbidden")

            // act
            let reply = try await api.order(customerToken, #"{"productId":"\#(productID)"}"#)
            try #require(reply.status == 201, "\(reply.status) \(reply.body)")
            let payment = try #require(reply.json["payment"] as? [String: Any])
            let id = try #require(payment["id"] as? String)
            let orderID = try #require((reply.json["checkout"] as? [String: Any])?["order_id"] as? String)
            #expect(payment["amount"] as? Int == 59900)
            #expect((reply.json["checkout"] as? [String: Any])?["key"] as? String == api.razorpay.keyID)

            // check: their contact was found (made) and is the payment's
            let contactID = try #require(payment["contactId"] as? String)
            let contact = try await api.send(.GET, "/v1/contacts/\(contactID)", token: ownerToken)
            #expect(CallsTests.uuid(contact.json["customerUserId"]) == tenant.customer.id, "\(contact.body)")
            // Only their own payments.
            #expect(try await api.listIDs(customerToken) == [id])
            #expect(try await api.listIDs(otherCustomerToken).isEmpty)
            try await api.send(.GET, "/v1/payments/\(staffPayment["id"] as? String ?? "")", token: customerToken).expectProblem(
                404, "not-found")
            try await api.send(.GET, "/v1/payments/\(id)", token: otherCustomerToken).expectProblem(404, "not-found")
            #expect(Set(try await api.listIDs(ownerToken)) == Set([id, staffPayment["id"] as? String ?? ""]))

            // act: Checkout succeeds; the customer verifies; another customer cannot
            let paymentID = RazorpayStandIn.newID("pay_")
            let signature = RazorpayStandIn.checkoutSignature(orderID: orderID, paymentID: paymentID, keySecret: api.razorpay.keySecret)
            let fields = ContactsAPI.json(["razorpay_order_id": orderID, "razorpay_payment_id": paymentID, "razorpay_signature": signature])
            try await api.send(.POST, "/v1/payments/verify", token: otherCustomerToken, json: fields).expectProblem(404, "not-found")
            let verified = try await api.send(.POST, "/v1/payments/verify", token: customerToken, json: fields)
            #expect(verified.status == 200 && verified.json["status"] as? String == "authorized", "\(verified.body)")
            api.razorpay.capture(paymentID: paymentID, orderID: orderID, amount: 59900)
            #expect(
                try await api.deliver(
                    tenant,
                    RazorpayStandIn.paymentEvent(
                        "payment.captured", paymentID: paymentID, orderID: orderID, amount: 59900, status: "captured"))
                    == 200)

            // check
            let captured = try #require(
                await API.event(customerLive, "payment.captured", payment: id), "the customer never got payment.captured")
            #expect((captured["payment"] as? [String: Any])?["status"] as? String == "captured")
            #expect((captured["payment"] as? [String: Any])?["capturedAmount"] as? Int == 59900)
            #expect(try await api.payment(customerToken, id)["status"] as? String == "captured")
            await customerLive.close()
        }
    }

    @Test("a payment link is made for a contact (short_url), by staff; payment_link.paid captures it")
    func paymentLink() async throws {
        try await API.run { api in
            // setup
            let tenant = try await api.seed("links")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let agentToken = try await api.login(tenant, tenant.agent)
            let contactID = try await api.contact(ownerToken, name: "Link Contact", owner: tenant.agent.id)

            // act
            let reply = try await api.send(
                .POST, "/v1/payments/links", token: agentToken,
                json: #"{"contactId":"\#(contactID)","amount":45000,"description":"Invoice 7"}"#,
                headers: [("Idempotency-Key", "link-1")])

            // check
            try #require(reply.status == 201, "\(reply.status) \(reply.body)")
            let payment = try #require(reply.json["payment"] as? [String: Any])
            let id = try #require(payment["id"] as? String)
            let link = try #require(api.razorpay.paymentLinks.first)
            #expect(payment["kind"] as? String == "link")
            #expect(payment["shortUrl"] as? String == link.shortURL)
            #expect((payment["razorpay"] as? [String: Any])?["paymentLinkId"] as? String == link.id)
            #expect(API.isNull(reply.json["whatsapp"]))
            #expect(link.amount == 45000)
            #expect(link.body["customer"]?["name"]?.string == "Link Contact")
            #expect(link.body["description"]?.string == "Invoice 7")
            #expect(link.referenceID?.lowercased() == id.lowercased())
            let replay = try await api.send(
                .POST, "/v1/payments/links", token: agentToken,
                json: #"{"contactId":"\#(contactID)","amount":45000,"description":"Invoice 7"}"#,
                headers: [("Idempotency-Key", "link-1")])
            #expect(replay.headers.first(name: "idempotent-replayed") == "true")
            #expect((replay.json["payment"] as? [String: Any])?["id"] as? String == id)
            #expect(api.razorpay.paymentLinks.count == 1)

            // act: paid
            let paymentID = RazorpayStandIn.newID("pay_")
            let body = RazorpayStandIn.paymentLinkPaidEvent(
                linkID: link.id, orderID: RazorpayStandIn.newID("order_"), paymentID: paymentID, amount: 45000,
                referenceID: link.referenceID)
            #expect(try await api.deliver(tenant, body) == 200)

            // check
            let paid = try await api.waitForStatus(ownerToken, id, "captured")
            #expect(paid["capturedAmount"] as? Int == 45000)
            #expect((paid["razorpay"] as? [String: Any])?["paymentId"] as? String == paymentID)
            #expect(API.isNull(paid["mismatch"]))
        }
    }

    @Test("GET /v1/payments filters by status, contact and date, pages with a cursor, and refuses bad filters")
    func listFilters() async throws {
        try await API.run { api in
            // setup: three payments over two contacts, one captured
            let tenant = try await api.seed("paylist")
            let ownerToken = try await api.login(tenant, tenant.owner)
            let first = try await api.contact(ownerToken, name: "First Contact")
            let second = try await api.contact(ownerToken, name: "Second Contact")
            let a = try #require(try await api.createOrder(ownerToken, contact: first, amount: 10000).payment["id"] as? String)
            let b = try #require(try await api.createOrder(ownerToken, contact: second, amount: 20000).payment["id"] as? String)
            let c = try await api.capturedPayment(tenant, token: ownerToken, contact: first, amount: 30000).id

            // check
            #expect(try await api.listIDs(ownerToken) == [c, b, a])
            #expect(try await api.listIDs(ownerToken, "status=captured") == [c])
            #expect(try await api.listIDs(ownerToken, "status=created") == [b, a])
            #expect(try await api.listIDs(ownerToken, "contact=\(first)") == [c, a])
            #expect(try await api.listIDs(ownerToken, "contact=\(second)&status=captured").isEmpty)
            let tomorrow = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400))
            let yesterday = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-86_400))
            #expect(try await api.listIDs(ownerToken, "from=\(tomorrow)").isEmpty)
            #expect(try await api.listIDs(ownerToken, "from=\(yesterday)&to=\(tomorrow)").count == 3)
            #expect(try await api.listIDs(ownerToken, "to=\(yesterday)").isEmpty)
            var seen: [String] = []
            var cursor: String?
            repeat {
                let reply = try await api.send(.GET, "/v1/payments?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: ownerToken)
                try #require(reply.status == 200, "\(reply.body)")
                seen += ContactsAPI.ids((reply.json["items"] as? [[String: Any]]) ?? [])
                cursor = reply.json["nextCursor"] as? String
            } while cursor != nil && seen.count < 10
            #expect(seen == [c, b, a])
            for bad in ["status=paid", "contact=nope", "from=yesterday", "cursor=garbage"] {
                try await api.send(.GET, "/v1/payments?\(bad)", token: ownerToken).expectProblem(422, "validation-failed")
            }
            try await api.send(.GET, "/v1/payments/\(UUID())", token: ownerToken).expectProblem(404, "not-found")
        }
    }
}
