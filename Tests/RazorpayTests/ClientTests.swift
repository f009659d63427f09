import Foundation
import Logging
import Testing

@testable import Razorpay

@Suite("Razorpay API client on the wire")
struct ClientTests {
    let client = RazorpayClient()
    let logger = Logger(label: "razorpay-tests")

    func credentials(_ server: ScriptedServer) -> RazorpayCredentials {
        RazorpayCredentials(baseURL: server.baseURL, keyID: "rzp_test_abc", keySecret: "s3cr3t")
    }

    static let orderEntity =
        #"{"id":"order_DaZlswtdcn9UNV","entity":"order","amount":29500,"amount_paid":0,"amount_due":29500,"currency":"INR","#
        + #""receipt":"Receipt #20","offer_id":null,"status":"created","attempts":0,"notes":{"key1":"value1"},"created_at":1572502745}"#

    @Test("createOrder posts JSON with Basic auth and integer amounts, and reads the order entity")
    func createOrder() async throws {
        try await ScriptedServer().run { server in
            server.reply(.ok, Self.orderEntity)
            let order = try await client.createOrder(
                amount: 29500, currency: "INR", receipt: "Receipt #20", notes: ["key1": "value1"], credentials: credentials(server),
                logger: logger)
            #expect(
                order
                    == RazorpayOrder(id: "order_DaZlswtdcn9UNV", amount: 29500, currency: "INR", status: "created", receipt: "Receipt #20"))
            let request = try #require(server.received.first)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/orders")
            // base64("rzp_test_abc:s3cr3t")
            #expect(request.headers["Authorization"] == "Basic cnpwX3Rlc3RfYWJjOnMzY3IzdA==")
            #expect(request.headers["Content-Type"] == "application/json")
            #expect(request.headers["X-Refund-Idempotency"] == nil)
            #expect(request.text == #"{"amount":29500,"currency":"INR","notes":{"key1":"value1"},"receipt":"Receipt #20"}"#)
        }
    }

    @Test("an order without a receipt leaves the field out and sends empty notes as an object")
    func createOrderMinimal() async throws {
        try await ScriptedServer().run { server in
            server.reply(
                .ok, #"{"id":"order_1","entity":"order","amount":100,"currency":"INR","status":"created","receipt":null,"notes":[]}"#)
            let order = try await client.createOrder(
                amount: 100, currency: "INR", receipt: nil, notes: [:], credentials: credentials(server), logger: logger)
            #expect(order.receipt == nil)
            #expect(server.received.first?.text == #"{"amount":100,"currency":"INR","notes":{}}"#)
        }
    }

    @Test("a base URL with a trailing slash still reaches /v1/orders")
    func trailingSlash() async throws {
        try await ScriptedServer().run { server in
            server.reply(.ok, Self.orderEntity)
            var credentials = credentials(server)
            credentials.baseURL += "/"
            _ = try await client.createOrder(
                amount: 29500, currency: "INR", receipt: nil, notes: [:], credentials: credentials, logger: logger)
            #expect(server.received.first?.path == "/v1/orders")
        }
    }

    @Test("createPaymentLink sends §2.5's fields and reads id, short_url and status")
    func createPaymentLink() async throws {
        try await ScriptedServer().run { server in
            server.reply(
                .ok,
                #"{"accept_partial":false,"amount":150000,"amount_paid":0,"currency":"INR","id":"plink_Et3n8k5Hs7z3Wo","#
                    + #""reference_id":"sb-42","short_url":"https://rzp.io/i/nxrHnLJ","status":"created","notes":null,"payments":null}"#)
            let link = try await client.createPaymentLink(
                PaymentLinkRequest(
                    amount: 150000, currency: "INR", description: "Consultation", referenceID: "sb-42", customerName: "Asha",
                    customerContact: "+919876543210", customerEmail: nil, notifySMS: false, notifyEmail: true,
                    expireBy: Date(timeIntervalSince1970: 1_700_000_000), notes: ["tenant": "t1"], callbackURL: "https://app.example/paid"),
                credentials: credentials(server), logger: logger)
            #expect(
                link
                    == RazorpayPaymentLink(
                        id: "plink_Et3n8k5Hs7z3Wo", shortURL: "https://rzp.io/i/nxrHnLJ", status: "created", amount: 150000,
                        currency: "INR",
                        referenceID: "sb-42"))
            let request = try #require(server.received.first)
            #expect(request.path == "/v1/payment_links")
            #expect(
                request.text
                    == #"{"amount":150000,"callback_method":"get","callback_url":"https://app.example/paid","currency":"INR","#
                    + #""customer":{"contact":"+919876543210","name":"Asha"},"description":"Consultation","expire_by":1700000000,"#
                    + #""notes":{"tenant":"t1"},"notify":{"email":true,"sms":false},"reference_id":"sb-42"}"#)
        }
    }

    @Test("a bare payment link sends no customer and Razorpay's notifications off")
    func bareLink() async throws {
        try await ScriptedServer().run { server in
            server.reply(.ok, #"{"id":"plink_1","short_url":"https://rzp.io/i/x","status":"created","amount":500,"currency":"INR"}"#)
            let link = try await client.createPaymentLink(
                PaymentLinkRequest(amount: 500, currency: "INR"), credentials: credentials(server), logger: logger)
            #expect(link.referenceID == nil)
            #expect(server.received.first?.text == #"{"amount":500,"currency":"INR","notes":{},"notify":{"email":false,"sms":false}}"#)
        }
    }

    @Test("refund sends the idempotency header and the amount; a full refund omits the amount")
    func refund() async throws {
        try await ScriptedServer().run { server in
            let entity =
                #"{"id":"rfnd_FgRAHdNOM4ZVbO","entity":"refund","amount":10000,"currency":"INR","payment_id":"pay_29QQoUBi66xm2f","#
                + #""notes":{},"receipt":null,"acquirer_data":{"arn":null},"created_at":1600856650,"batch_id":null,"#
                + #""status":"processed","speed_processed":"normal","speed_requested":"normal"}"#
            server.reply(.ok, entity)
            server.reply(.ok, entity)
            let refund = try await client.refund(
                paymentID: "pay_29QQoUBi66xm2f", amount: 10000, idempotencyKey: "refund-0001_ab", notes: ["by": "u1"],
                credentials: credentials(server), logger: logger)
            #expect(
                refund
                    == RazorpayRefund(
                        id: "rfnd_FgRAHdNOM4ZVbO", paymentID: "pay_29QQoUBi66xm2f", amount: 10000, currency: "INR", status: "processed"))
            _ = try await client.refund(
                paymentID: "pay_29QQoUBi66xm2f", amount: nil, idempotencyKey: "refund-0002_ab", notes: [:],
                credentials: credentials(server),
                logger: logger)
            let requests = server.received
            #expect(requests.map(\.path) == ["/v1/payments/pay_29QQoUBi66xm2f/refund", "/v1/payments/pay_29QQoUBi66xm2f/refund"])
            #expect(requests.map { $0.headers["X-Refund-Idempotency"] } == ["refund-0001_ab", "refund-0002_ab"])
            #expect(requests[0].text == #"{"amount":10000,"notes":{"by":"u1"}}"#)
            #expect(requests[0].json["amount"] as? Int == 10000)
            #expect(requests[1].text == #"{"notes":{}}"#)
        }
    }

    @Test(
        "idempotency keys and payment ids Razorpay would refuse are refused before sending",
        arguments: ["short", "has space 123", "ünïcode-key-1", "slash/key/123"])
    func badKey(key: String) async throws {
        try await ScriptedServer().run { server in
            await #expect(throws: RazorpayError.self) {
                try await client.refund(
                    paymentID: "pay_1", amount: nil, idempotencyKey: key, notes: [:], credentials: credentials(server), logger: logger)
            }
            await #expect(throws: RazorpayError.self) {
                try await client.refund(
                    paymentID: "pay_1/../../orders", amount: nil, idempotencyKey: "good-key-123", notes: [:],
                    credentials: credentials(server),
                    logger: logger)
            }
            #expect(server.received.isEmpty)
        }
    }

    @Test("a §2.7 400 becomes a RazorpayError with its code, field and reason, not retryable")
    func badRequest() async throws {
        try await ScriptedServer().run { server in
            server.reply(
                .badRequest,
                #"{"error":{"code":"BAD_REQUEST_ERROR","description":"The amount must be at least INR 1.00","source":"business","#
                    + #""step":"payment_initiation","reason":"input_validation_failed","metadata":{},"field":"amount"}}"#)
            let error = await #expect(throws: RazorpayError.self) {
                try await client.createOrder(
                    amount: 99, currency: "INR", receipt: nil, notes: [:], credentials: credentials(server), logger: logger)
            }
            #expect(
                error
                    == RazorpayError(
                        httpStatus: 400, code: "BAD_REQUEST_ERROR", description: "The amount must be at least INR 1.00", field: "amount",
                        reason: "input_validation_failed", isRetryable: false))
        }
    }

    @Test("401 for bad credentials is not retryable")
    func unauthorized() async throws {
        try await ScriptedServer().run { server in
            server.reply(.unauthorized, #"{"error":{"code":"BAD_REQUEST_ERROR","description":"Authentication failed"}}"#)
            let error = await #expect(throws: RazorpayError.self) {
                try await client.createPaymentLink(
                    PaymentLinkRequest(amount: 100, currency: "INR"), credentials: credentials(server), logger: logger)
            }
            #expect(error?.httpStatus == 401)
            #expect(error?.description == "Authentication failed")
            #expect(error?.isRetryable == false)
        }
    }

    @Test(
        "5xx, 429 and 409 are retryable; other 4xx are not",
        arguments: [(500, true), (502, true), (503, true), (429, true), (409, true), (400, false), (404, false), (422, false)])
    func retryable(status: Int, retryable: Bool) async throws {
        try await ScriptedServer().run { server in
            server.reply(
                .init(code: status),
                #"{"error":{"code":"SERVER_ERROR","description":"We are facing some trouble completing your request at the moment."}}"#)
            let error = await #expect(throws: RazorpayError.self) {
                try await client.refund(
                    paymentID: "pay_1", amount: 100, idempotencyKey: "key-0123456789", notes: [:], credentials: credentials(server),
                    logger: logger)
            }
            #expect(error?.httpStatus == status)
            #expect(error?.code == "SERVER_ERROR")
            #expect(error?.isRetryable == retryable)
        }
    }

    @Test("an error body that is not §2.7's shape keeps the status and some text")
    func htmlError() async throws {
        try await ScriptedServer().run { server in
            server.reply(.badGateway, "<html>bad gateway</html>")
            let error = await #expect(throws: RazorpayError.self) {
                try await client.createOrder(
                    amount: 100, currency: "INR", receipt: nil, notes: [:], credentials: credentials(server), logger: logger)
            }
            #expect(error == RazorpayError(httpStatus: 502, code: nil, description: "<html>bad gateway</html>", isRetryable: true))
        }
    }

    @Test("a 200 that is not an order is an error, not retryable (Razorpay acted)")
    func unreadableSuccess() async throws {
        try await ScriptedServer().run { server in
            server.reply(.ok, #"{"id":"order_1","amount":"100","currency":"INR","status":"created"}"#)
            server.reply(.ok, "not json")
            for _ in 0..<2 {
                let error = await #expect(throws: RazorpayError.self) {
                    try await client.createOrder(
                        amount: 100, currency: "INR", receipt: nil, notes: [:], credentials: credentials(server), logger: logger)
                }
                #expect(error?.httpStatus == 200)
                #expect(error?.isRetryable == false)
            }
        }
    }

    @Test("connection refused is a retryable transport failure")
    func connectionRefused() async throws {
        // A port that was just listening and no longer is. AsyncHTTPClient keeps retrying a
        // refused connect until the request's deadline, so a short timeout keeps this quick.
        let closed = try await ScriptedServer().run { server in credentials(server) }
        let client = RazorpayClient(timeout: .seconds(1))
        let error = await #expect(throws: RazorpayError.self) {
            try await client.createOrder(amount: 100, currency: "INR", receipt: nil, notes: [:], credentials: closed, logger: logger)
        }
        #expect(error?.httpStatus == nil)
        #expect(error?.code == nil)
        #expect(error?.isRetryable == true)
    }

    @Test("the key secret never appears in the credentials' description")
    func secretNotLogged() {
        let credentials = RazorpayCredentials(keyID: "rzp_live_x", keySecret: "very-secret")
        #expect(!"\(credentials)".contains("very-secret"))
        #expect(credentials.baseURL == "https://api.razorpay.com/v1")
    }
}
