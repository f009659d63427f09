import Foundation

/// An order as `POST /v1/orders` returns it (PROVIDERS.md §2.2): the same order
/// entity a webhook carries.
public typealias RazorpayOrder = OrderEntity

/// A payment link as `POST /v1/payment_links` returns it (§2.5).
public struct RazorpayPaymentLink: Sendable, Equatable {
    /// `plink_…`
    public var id: String
    /// What the customer opens, e.g. `https://rzp.io/i/…`.
    public var shortURL: String
    /// `created`, later `partially_paid`, `paid`, `expired` or `cancelled`.
    public var status: String
    public var amount: Int
    public var currency: String
    public var referenceID: String?

    public init(id: String, shortURL: String, status: String, amount: Int, currency: String, referenceID: String?) {
        self.id = id
        self.shortURL = shortURL
        self.status = status
        self.amount = amount
        self.currency = currency
        self.referenceID = referenceID
    }

    init?(_ json: JSONValue) {
        guard let id = json["id"]?.string, let shortURL = json["short_url"]?.string, let status = json["status"]?.string,
            let amount = json["amount"]?.int, let currency = json["currency"]?.string
        else { return nil }
        self.init(
            id: id, shortURL: shortURL, status: status, amount: amount, currency: currency, referenceID: json["reference_id"]?.string)
    }
}

/// A refund as `POST /v1/payments/{id}/refund` returns it (§2.6): the same refund
/// entity a webhook carries.
public typealias RazorpayRefund = RefundEntity

/// What to put on a new payment link (§2.5).
public struct PaymentLinkRequest: Sendable, Equatable {
    /// Minor units.
    public var amount: Int
    public var currency: String
    public var description: String?
    /// Our own reference, echoed back on the link and its `payment_link.paid` event; unique per link at Razorpay.
    public var referenceID: String?
    public var customerName: String?
    /// E.164.
    public var customerContact: String?
    public var customerEmail: String?
    /// Whether Razorpay itself sends the link by SMS / email (off when we send it over WhatsApp).
    public var notifySMS: Bool
    public var notifyEmail: Bool
    /// When the link stops accepting payments (sent as Unix seconds; Razorpay's default and maximum is 6 months).
    public var expireBy: Date?
    public var notes: [String: String]
    /// Where Razorpay redirects the customer after paying, with `callback_method` "get" (§2.3's payment-link signature).
    public var callbackURL: String?

    public init(
        amount: Int, currency: String, description: String? = nil, referenceID: String? = nil, customerName: String? = nil,
        customerContact: String? = nil, customerEmail: String? = nil, notifySMS: Bool = false, notifyEmail: Bool = false,
        expireBy: Date? = nil, notes: [String: String] = [:], callbackURL: String? = nil
    ) {
        self.amount = amount
        self.currency = currency
        self.description = description
        self.referenceID = referenceID
        self.customerName = customerName
        self.customerContact = customerContact
        self.customerEmail = customerEmail
        self.notifySMS = notifySMS
        self.notifyEmail = notifyEmail
        self.expireBy = expireBy
        self.notes = notes
        self.callbackURL = callbackURL
    }
}
