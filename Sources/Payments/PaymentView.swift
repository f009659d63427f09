import Foundation

/// A payment as the API and the `payment.*` events show it. Nulls are written out.
public struct PaymentView: Encodable, Sendable {
    struct Razorpay: Encodable, Sendable {
        let orderId: String?
        let paymentId: String?
        let paymentLinkId: String?
    }

    struct Failure: Encodable, Sendable {
        let code: String?
        let description: String?
    }

    let id: UUID
    let kind: String
    let status: String
    let contactId: UUID
    let productId: UUID?
    let description: String?
    let amount: Int
    let currency: String
    let capturedAmount: Int
    let refundedAmount: Int
    let shortUrl: String?
    let method: String?
    let error: Failure?
    /// Set when Razorpay reported an amount or currency other than the order's.
    let mismatch: String?
    let razorpay: Razorpay
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date
    let authorizedAt: Date?
    let capturedAt: Date?
    let failedAt: Date?

    public init(_ payment: Payment) {
        id = payment.id
        kind = payment.kind.rawValue
        status = payment.status.rawValue
        contactId = payment.contactID
        productId = payment.productID
        description = payment.description
        amount = payment.amount
        currency = payment.currency
        capturedAmount = payment.captured
        refundedAmount = payment.refunded
        shortUrl = payment.shortURL
        method = payment.method
        error = payment.errorCode == nil && payment.errorDescription == nil
            ? nil : Failure(code: payment.errorCode, description: payment.errorDescription)
        mismatch = payment.mismatch
        razorpay = Razorpay(orderId: payment.razorpayOrderID, paymentId: payment.razorpayPaymentID, paymentLinkId: payment.razorpayLinkID)
        createdBy = payment.createdBy
        createdAt = payment.createdAt
        updatedAt = payment.updatedAt
        authorizedAt = payment.authorizedAt
        capturedAt = payment.capturedAt
        failedAt = payment.failedAt
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(status, forKey: .status)
        try c.encode(contactId, forKey: .contactId)
        try c.encode(productId, forKey: .productId)
        try c.encode(description, forKey: .description)
        try c.encode(amount, forKey: .amount)
        try c.encode(currency, forKey: .currency)
        try c.encode(capturedAmount, forKey: .capturedAmount)
        try c.encode(refundedAmount, forKey: .refundedAmount)
        try c.encode(shortUrl, forKey: .shortUrl)
        try c.encode(method, forKey: .method)
        try c.encode(error, forKey: .error)
        try c.encode(mismatch, forKey: .mismatch)
        try c.encode(razorpay, forKey: .razorpay)
        try c.encode(createdBy, forKey: .createdBy)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(authorizedAt, forKey: .authorizedAt)
        try c.encode(capturedAt, forKey: .capturedAt)
        try c.encode(failedAt, forKey: .failedAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, status, contactId, productId, description, amount, currency, capturedAmount, refundedAmount, shortUrl, method,
            error, mismatch, razorpay, createdBy, createdAt, updatedAt, authorizedAt, capturedAt, failedAt
    }
}

/// A refund as the API shows it.
public struct RefundView: Encodable, Sendable {
    let id: UUID
    let paymentId: UUID
    let amount: Int
    let status: String
    let razorpayRefundId: String?
    let error: String?
    let createdAt: Date

    public init(_ refund: Refund) {
        id = refund.id
        paymentId = refund.paymentID
        amount = refund.amount
        status = refund.status.rawValue
        razorpayRefundId = refund.razorpayRefundID
        error = refund.error
        createdAt = refund.createdAt
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(paymentId, forKey: .paymentId)
        try c.encode(amount, forKey: .amount)
        try c.encode(status, forKey: .status)
        try c.encode(razorpayRefundId, forKey: .razorpayRefundId)
        try c.encode(error, forKey: .error)
        try c.encode(createdAt, forKey: .createdAt)
    }

    enum CodingKeys: String, CodingKey { case id, paymentId, amount, status, razorpayRefundId, error, createdAt }
}
