import Crypto
import Foundation
import NIOCore

/// Razorpay payment webhooks (ops/bench payments, PROVIDERS §2.4): the event envelope,
/// `X-Razorpay-Signature` (hex HMAC-SHA256 of the raw body under the webhook secret)
/// and `X-Razorpay-Event-Id`, for payments `PaymentSeed` stored beforehand with the
/// order ids `order_B{tag}S{step}N{k}`, 29,900 paise each.
///
/// The mix, per block of ten webhooks of a step (block b, orders 7b ... 7b+6):
/// - 0, 1: `payment.authorized` of orders 7b, 7b+1 (created → authorized);
/// - 2 ... 6: `payment.captured` of orders 7b+2 ... 7b+6 (created → captured: a
///   `payment.captured` event to the owners and a timeline entry);
/// - 7: `payment.captured` of order 7b (authorized → captured);
/// - 8: a redelivery of webhook 2 (same event id and body: acknowledged, not stored);
/// - 9: `order.paid` of order 7b+3, a new event id (stored and processed; the payment
///   is captured already, so nothing changes).
/// So 8 in 10 change a payment, 1 is a redelivery, 1 is a distinct event that changes nothing.
final class RazorpayWebhooks: WebhookFlavor {
    static let amount = 29_900
    let key: SymmetricKey
    let tag: String
    /// Webhook 2 of the current block, for webhook 8 to redeliver.
    private var lastCaptured: (step: Int, block: Int, headers: [(String, String)], body: ByteBuffer)?
    private var kinds: [Int: [String: Int]] = [:]
    /// Per step: payments left authorized and captured, if every webhook is applied.
    private var expected: [Int: (authorized: Int, captured: Int, stored: Int)] = [:]

    init(webhookSecret: String, tag: String) {
        key = SymmetricKey(data: Array(webhookSecret.utf8))
        self.tag = tag
    }

    /// Orders step `step` names when it sends `count` webhooks.
    static func orders(forWebhooks count: Int) -> Int { (count + 9) / 10 * 7 }

    func orderPrefix(step: Int) -> String { "order_B\(tag)S\(step)N" }

    func request(step: Int, index: Int, n: Int) -> (headers: [(String, String)], body: ByteBuffer) {
        let block = index / 10
        let slot = index % 10
        var e = expected[step] ?? (0, 0, 0)
        defer { expected[step] = e }
        let kind: String
        let event: String
        let order: Int
        switch slot {
        case 0, 1: (kind, event, order) = ("authorized", "payment.authorized", 7 * block + slot); e.authorized += 1
        case 2...6: (kind, event, order) = ("captured", "payment.captured", 7 * block + slot); e.captured += 1
        case 7: (kind, event, order) = ("authorized_then_captured", "payment.captured", 7 * block); e.authorized -= 1; e.captured += 1
        case 8:
            if let last = lastCaptured, last.step == step, last.block == block {
                kinds[step, default: [:]]["redelivered", default: 0] += 1
                return (last.headers, last.body)
            }
            (kind, event, order) = ("captured", "payment.captured", 7 * block + 2)
        default: (kind, event, order) = ("order_paid_unchanged", "order.paid", 7 * block + 3)
        }
        e.stored += 1
        kinds[step, default: [:]][kind, default: 0] += 1
        let body = ByteBuffer(string: envelope(event: event, step: step, order: order))
        let headers = [("X-Razorpay-Signature", hexHMACSHA256(body, key: key)), ("X-Razorpay-Event-Id", "evt_B\(tag)S\(step)I\(index)")]
        if slot == 2 { lastCaptured = (step, block, headers, body) }
        return (headers, body)
    }

    /// The §2.4 envelope of `event` for the payment of order `order` of step `step`.
    func envelope(event: String, step: Int, order: Int) -> String {
        let now = Int(Date().timeIntervalSince1970)
        let orderID = "\(orderPrefix(step: step))\(order)"
        let status = event == "payment.authorized" ? "authorized" : "captured"
        let payment = "{\"id\":\"pay_B\(tag)S\(step)N\(order)\",\"entity\":\"payment\",\"amount\":\(Self.amount),\"currency\":\"INR\","
            + "\"status\":\"\(status)\",\"order_id\":\"\(orderID)\",\"invoice_id\":null,\"international\":false,\"method\":\"upi\","
            + "\"amount_refunded\":0,\"refund_status\":null,\"captured\":\(status == "captured"),\"description\":\"Bench order\","
            + "\"card_id\":null,\"bank\":null,\"wallet\":null,\"vpa\":\"bench@okbank\",\"email\":\"bench\(order)@example.com\","
            + "\"contact\":\"+919800\(String(format: "%06d", order % 1_000_000))\",\"notes\":[],\"fee\":\(status == "captured" ? 598 : 0),"
            + "\"tax\":\(status == "captured" ? 92 : 0),\"error_code\":null,\"error_description\":null,\"error_source\":null,"
            + "\"error_step\":null,\"error_reason\":null,\"acquirer_data\":{\"rrn\":\"\(300_000_000_000 + order)\"},\"created_at\":\(now - 5)}"
        var payload = "\"payment\":{\"entity\":\(payment)}"
        var contains = "[\"payment\"]"
        if event == "order.paid" {
            contains = "[\"payment\",\"order\"]"
            payload += ",\"order\":{\"entity\":{\"id\":\"\(orderID)\",\"entity\":\"order\",\"amount\":\(Self.amount),"
                + "\"amount_paid\":\(Self.amount),\"amount_due\":0,\"currency\":\"INR\",\"receipt\":null,\"offer_id\":null,"
                + "\"status\":\"paid\",\"attempts\":1,\"notes\":[],\"created_at\":\(now - 60)}}"
        }
        return "{\"entity\":\"event\",\"account_id\":\"acc_BenchAccount01\",\"event\":\"\(event)\",\"contains\":\(contains),"
            + "\"payload\":{\(payload)},\"created_at\":\(now)}"
    }

    /// Razorpay's webhooks reach no socket the benchmark watches.
    func receipt(in message: UnsafeRawBufferPointer) -> (step: Int, index: Int)? { nil }
    func isEvent(_ message: UnsafeRawBufferPointer) -> Bool { false }

    func figures(step: Int) -> [String: Any] {
        let e = expected[step] ?? (0, 0, 0)
        return [
            "sent_by_kind": kinds[step] ?? [:], "expected_stored": e.stored, "expected_authorized": e.authorized,
            "expected_captured": e.captured,
        ]
    }
}
