import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore

/// Webhook deliveries as Razorpay sends them (PROVIDERS.md §2.4): exact envelopes,
/// signed with HMAC-SHA256 over the raw body.
extension RazorpayStandIn {
    static let accountID = "acc_StandIn0000001"

    /// POSTs `body` to `url` with `X-Razorpay-Signature` (over `body` with `secret`, unless
    /// `signature` overrides it, e.g. to forge one) and `X-Razorpay-Event-Id`.
    func postWebhook(
        to url: String, secret: String, body: [UInt8], eventID: String, signature: String? = nil
    ) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Razorpay-Signature", value: signature ?? Self.webhookSignature(body: body, secret: secret))
        request.headers.add(name: "X-Razorpay-Event-Id", value: eventID)
        request.headers.add(name: "User-Agent", value: "Razorpay-Webhook/v1")
        request.body = .bytes(ByteBuffer(bytes: body))
        // Razorpay gives up on a delivery after 5 s (§2.4).
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        return (Int(response.status.code), text)
    }

    /// Lowercase hex HMAC-SHA256(secret, body): the `X-Razorpay-Signature` header.
    static func webhookSignature(body: [UInt8], secret: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8))))
    }

    /// What Checkout hands the client: hex HMAC-SHA256(key secret, order id + "|" + payment id) (§2.3).
    static func checkoutSignature(orderID: String, paymentID: String, keySecret: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Array("\(orderID)|\(paymentID)".utf8), using: SymmetricKey(data: Array(keySecret.utf8))))
    }

    static func hex(_ mac: HMAC<SHA256>.MAC) -> String { mac.map { String(format: "%02x", $0) }.joined() }

    /// `payment.authorized`, `payment.captured` or `payment.failed`: contains `["payment"]`.
    static func paymentEvent(
        _ event: String, paymentID: String, orderID: String?, amount: Int, currency: String = "INR", status: String,
        errorCode: String? = nil, errorDescription: String? = nil
    ) -> [UInt8] {
        let payment = paymentEntity(
            id: paymentID, orderID: orderID, amount: amount, currency: currency, status: status, errorCode: errorCode,
            errorDescription: errorDescription)
        return envelope(event, contains: ["payment"], payload: #""payment":{"entity":\#(payment)}"#)
    }

    /// `order.paid`: contains `["payment","order"]`, a captured payment and the paid order.
    static func orderPaidEvent(orderID: String, paymentID: String, amount: Int, currency: String = "INR") -> [UInt8] {
        let payment = paymentEntity(id: paymentID, orderID: orderID, amount: amount, currency: currency, status: "captured")
        return envelope(
            "order.paid", contains: ["payment", "order"],
            payload: #""payment":{"entity":\#(payment)},"order":{"entity":\#(paidOrder(orderID, amount: amount, currency: currency))}"#)
    }

    /// `refund.created`, `refund.processed`, `refund.failed`: contains `["refund","payment"]`.
    /// The payment is `paymentAmount` (default: the refund's amount) with this refund taken off it.
    static func refundEvent(
        _ event: String, refundID: String, paymentID: String, amount: Int, status: String, currency: String = "INR",
        paymentAmount: Int? = nil
    ) -> [UInt8] {
        let paid = paymentAmount ?? amount
        let refunded = status == "failed" ? 0 : amount
        let refund = refundJSON(
            Refund(id: refundID, paymentID: paymentID, amount: amount, currency: currency, notes: [:], idempotencyKey: nil),
            status: status)
        let payment = paymentEntity(
            id: paymentID, orderID: nil, amount: paid, currency: currency, status: refunded == paid ? "refunded" : "captured",
            amountRefunded: refunded)
        return envelope(
            event, contains: ["refund", "payment"], payload: #""refund":{"entity":\#(refund)},"payment":{"entity":\#(payment)}"#)
    }

    /// `payment_link.paid`: contains `["payment_link","order","payment"]`.
    static func paymentLinkPaidEvent(
        linkID: String, orderID: String, paymentID: String, amount: Int, referenceID: String?, currency: String = "INR"
    ) -> [UInt8] {
        let link =
            #"{"accept_partial":false,"amount":\#(amount),"amount_paid":\#(amount),"cancelled_at":0,"created_at":\#(now - 60),"#
            + #""currency":\#(quoted(currency)),"customer":{},"description":"","expire_by":0,"expired_at":0,"#
            + #""first_min_partial_amount":0,"id":\#(quoted(linkID)),"notes":null,"notify":{"email":false,"sms":false},"#
            + #""order_id":\#(quoted(orderID)),"reference_id":\#(quoted(referenceID ?? "")),"reminder_enable":false,"#
            + #""reminders":{},"short_url":"https://rzp.io/i/StandIn01","status":"paid","updated_at":\#(now),"user_id":""}"#
        let payment = paymentEntity(id: paymentID, orderID: orderID, amount: amount, currency: currency, status: "captured")
        return envelope(
            "payment_link.paid", contains: ["payment_link", "order", "payment"],
            payload: #""payment_link":{"entity":\#(link)},"order":{"entity":\#(paidOrder(orderID, amount: amount, currency: currency))},"#
                + #""payment":{"entity":\#(payment)}"#)
    }

    static func envelope(_ event: String, contains: [String], payload: String) -> [UInt8] {
        Array(
            (#"{"entity":"event","account_id":\#(quoted(accountID)),"event":\#(quoted(event)),"#
                + #""contains":[\#(contains.map { quoted($0) }.joined(separator: ","))],"payload":{\#(payload)},"created_at":\#(now)}"#)
                .utf8)
    }

    /// The payment entity of §2.4's sample, `notes` as the empty array Razorpay sends.
    static func paymentEntity(
        id: String, orderID: String?, amount: Int, currency: String, status: String, amountRefunded: Int = 0,
        errorCode: String? = nil, errorDescription: String? = nil
    ) -> String {
        let failed = status == "failed"
        return #"{"id":\#(quoted(id)),"entity":"payment","amount":\#(amount),"currency":\#(quoted(currency)),"#
            + #""status":\#(quoted(status)),"order_id":\#(quoted(orderID)),"invoice_id":null,"international":false,"#
            + #""method":"upi","amount_refunded":\#(amountRefunded),"#
            + #""refund_status":\#(amountRefunded == 0 ? "null" : amountRefunded == amount ? "\"full\"" : "\"partial\""),"#
            + #""captured":\#(status == "captured" || status == "refunded"),"description":null,"card_id":null,"bank":null,"#
            + #""wallet":null,"vpa":"customer@upi","email":"customer@example.com","contact":"+919876543210","notes":[],"#
            + #""fee":\#(status == "captured" ? 2 : 0),"tax":0,"error_code":\#(quoted(failed ? errorCode ?? "BAD_REQUEST_ERROR" : nil)),"#
            + #""error_description":\#(quoted(failed ? errorDescription ?? "Payment failed" : nil)),"#
            + #""error_source":\#(failed ? "\"customer\"" : "null"),"error_step":\#(failed ? "\"payment_authentication\"" : "null"),"#
            + #""error_reason":\#(failed ? "\"payment_failed\"" : "null"),"acquirer_data":{"rrn":"123456789012"},"#
            + #""created_at":\#(now - 10)}"#
    }

    static func paidOrder(_ id: String, amount: Int, currency: String) -> String {
        orderJSON(Order(id: id, amount: amount, currency: currency, receipt: nil, notes: [:], status: "paid", amountPaid: amount))
    }
}
