import Foundation
import NIOCore

/// `POST /v1/payments/orders` as staff make them (ops/bench payments), for the
/// `WebhookDriver`'s open-loop schedule: the owner's Bearer token, an `Idempotency-Key`
/// unique per request (`bench-{tag}-S{step}-{index}`), and `{"contactId", "amount":
/// 29900}` for contact n mod the seeded contacts. Success is 201; each one makes the
/// node create an order on the Razorpay stand-in before it stores the payment.
final class OrderRequests: WebhookFlavor {
    let token: String
    let contacts: [String]
    let tag: String
    private var sent: [Int: Int] = [:]

    init(token: String, contacts: [String], tag: String) {
        self.token = token
        self.contacts = contacts
        self.tag = tag
    }

    var successStatus: Int { 201 }

    /// The idempotency keys of step `step` start with this (for the database check).
    func keyPrefix(step: Int) -> String { "bench-\(tag)-S\(step)-" }

    func request(step: Int, index: Int, n: Int) -> (headers: [(String, String)], body: ByteBuffer) {
        sent[step, default: 0] += 1
        let body = ByteBuffer(string: "{\"contactId\":\"\(contacts[n % contacts.count])\",\"amount\":\(RazorpayWebhooks.amount)}")
        return ([("Authorization", "Bearer \(token)"), ("Idempotency-Key", "\(keyPrefix(step: step))\(index)")], body)
    }

    func receipt(in message: UnsafeRawBufferPointer) -> (step: Int, index: Int)? { nil }
    func isEvent(_ message: UnsafeRawBufferPointer) -> Bool { false }
    func figures(step: Int) -> [String: Any] { ["contacts": contacts.count] }
}
