import Foundation

/// A webhook delivery's body (PROVIDERS.md §2.4): the event name and whichever
/// entities its payload carries. Which ones depends on the event (see §2.4's table),
/// and the order events arrive in is not guaranteed, so callers look at what is there.
public struct RazorpayEvent: Sendable, Equatable {
    /// `payment.captured`, `order.paid`, `refund.processed`, `payment_link.paid`, …
    public var event: String
    public var accountID: String?
    public var createdAt: Date?
    public var payment: PaymentEntity?
    public var order: OrderEntity?
    public var refund: RefundEntity?
    public var paymentLink: PaymentLinkEntity?

    public init(
        event: String, accountID: String? = nil, createdAt: Date? = nil, payment: PaymentEntity? = nil, order: OrderEntity? = nil,
        refund: RefundEntity? = nil, paymentLink: PaymentLinkEntity? = nil
    ) {
        self.event = event
        self.accountID = accountID
        self.createdAt = createdAt
        self.payment = payment
        self.order = order
        self.refund = refund
        self.paymentLink = paymentLink
    }

    /// Parses a webhook body (PROVIDERS 2.4). Throws RazorpayPayloadError when not JSON / no "event" string; lenient otherwise: `notes` may be [] or {}, unknown fields ignored, an entity missing required fields is treated as absent.
    public static func parse(_ body: [UInt8]) throws -> RazorpayEvent {
        let root: JSONValue
        do {
            root = try JSONValue.parse(body)
        } catch {
            throw RazorpayPayloadError(reason: "the body is not JSON")
        }
        guard root.object != nil else { throw RazorpayPayloadError(reason: "the body is not a JSON object") }
        guard let event = root["event"]?.string, !event.isEmpty else {
            throw RazorpayPayloadError(reason: "the body has no \"event\" string")
        }
        let payload = root["payload"]
        // Each entity sits at payload.<name>.entity; fields we do not read (notes, acquirer_data, …) are never decoded into types.
        func entity(_ name: String) -> JSONValue? { payload?[name]?["entity"] }
        return RazorpayEvent(
            event: event, accountID: root["account_id"]?.string, createdAt: root["created_at"]?.date,
            payment: entity("payment").flatMap(PaymentEntity.init), order: entity("order").flatMap(OrderEntity.init),
            refund: entity("refund").flatMap(RefundEntity.init), paymentLink: entity("payment_link").flatMap(PaymentLinkEntity.init))
    }
}

/// A webhook body that is not a Razorpay event at all.
public struct RazorpayPayloadError: Error, Sendable, Equatable {
    public var reason: String

    public init(reason: String) { self.reason = reason }
}
