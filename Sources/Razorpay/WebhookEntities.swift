import Foundation

/// `payload.payment.entity` of a webhook (PROVIDERS.md §2.4).
public struct PaymentEntity: Sendable, Equatable {
    /// `pay_…`
    public var id: String
    public var amount: Int
    public var currency: String
    /// `created`, `authorized`, `captured`, `refunded` or `failed`.
    public var status: String
    public var orderID: String?
    public var method: String?
    public var amountRefunded: Int
    public var email: String?
    public var contact: String?
    /// On `payment.failed`: e.g. `BAD_REQUEST_ERROR`.
    public var errorCode: String?
    public var errorDescription: String?
    public var errorReason: String?
    public var createdAt: Date?

    public init(
        id: String, amount: Int, currency: String, status: String, orderID: String? = nil, method: String? = nil,
        amountRefunded: Int = 0, email: String? = nil, contact: String? = nil, errorCode: String? = nil,
        errorDescription: String? = nil, errorReason: String? = nil, createdAt: Date? = nil
    ) {
        self.id = id
        self.amount = amount
        self.currency = currency
        self.status = status
        self.orderID = orderID
        self.method = method
        self.amountRefunded = amountRefunded
        self.email = email
        self.contact = contact
        self.errorCode = errorCode
        self.errorDescription = errorDescription
        self.errorReason = errorReason
        self.createdAt = createdAt
    }

    init?(_ json: JSONValue) {
        guard let id = json["id"]?.string, let amount = json["amount"]?.int, let currency = json["currency"]?.string,
            let status = json["status"]?.string
        else { return nil }
        self.init(
            id: id, amount: amount, currency: currency, status: status, orderID: json["order_id"]?.string,
            method: json["method"]?.string, amountRefunded: json["amount_refunded"]?.int ?? 0, email: json["email"]?.string,
            contact: json["contact"]?.string, errorCode: json["error_code"]?.string,
            errorDescription: json["error_description"]?.string, errorReason: json["error_reason"]?.string,
            createdAt: json["created_at"]?.date)
    }
}

/// `payload.order.entity` (§2.2's order entity).
public struct OrderEntity: Sendable, Equatable {
    public var id: String
    public var amount: Int
    public var amountPaid: Int
    public var currency: String
    /// `created`, `attempted` or `paid`.
    public var status: String
    public var receipt: String?

    public init(id: String, amount: Int, amountPaid: Int = 0, currency: String, status: String, receipt: String? = nil) {
        self.id = id
        self.amount = amount
        self.amountPaid = amountPaid
        self.currency = currency
        self.status = status
        self.receipt = receipt
    }

    init?(_ json: JSONValue) {
        guard let id = json["id"]?.string, let amount = json["amount"]?.int, let currency = json["currency"]?.string,
            let status = json["status"]?.string
        else { return nil }
        self.init(
            id: id, amount: amount, amountPaid: json["amount_paid"]?.int ?? 0, currency: currency, status: status,
            receipt: json["receipt"]?.string)
    }
}

/// `payload.refund.entity` (§2.6's refund entity).
public struct RefundEntity: Sendable, Equatable {
    public var id: String
    public var paymentID: String
    public var amount: Int
    public var currency: String
    /// `pending`, `processed` or `failed`.
    public var status: String

    public init(id: String, paymentID: String, amount: Int, currency: String, status: String) {
        self.id = id
        self.paymentID = paymentID
        self.amount = amount
        self.currency = currency
        self.status = status
    }

    init?(_ json: JSONValue) {
        guard let id = json["id"]?.string, let paymentID = json["payment_id"]?.string, let amount = json["amount"]?.int,
            let currency = json["currency"]?.string, let status = json["status"]?.string
        else { return nil }
        self.init(id: id, paymentID: paymentID, amount: amount, currency: currency, status: status)
    }
}

/// `payload.payment_link.entity` (§2.5).
public struct PaymentLinkEntity: Sendable, Equatable {
    public var id: String
    public var amount: Int
    public var amountPaid: Int
    public var currency: String
    public var status: String
    public var referenceID: String?

    public init(id: String, amount: Int, amountPaid: Int = 0, currency: String, status: String, referenceID: String? = nil) {
        self.id = id
        self.amount = amount
        self.amountPaid = amountPaid
        self.currency = currency
        self.status = status
        self.referenceID = referenceID
    }

    init?(_ json: JSONValue) {
        guard let id = json["id"]?.string, let amount = json["amount"]?.int, let currency = json["currency"]?.string,
            let status = json["status"]?.string
        else { return nil }
        self.init(
            id: id, amount: amount, amountPaid: json["amount_paid"]?.int ?? 0, currency: currency, status: status,
            referenceID: json["reference_id"]?.string)
    }
}
