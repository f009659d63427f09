import Foundation

/// One payment request to a contact: a Razorpay order (paid through Checkout) or a
/// payment link, and the state Razorpay's webhooks move it through. Amounts are
/// integer minor units (paise for INR) with an ISO currency.
public struct Payment: Sendable, Equatable {
    public enum Kind: String, Sendable { case order, link }

    /// `created → authorized → captured`, then `partially_refunded` / `refunded`;
    /// `failed` until a later attempt succeeds. A captured payment never goes back.
    public enum Status: String, Sendable, CaseIterable {
        case created, authorized, captured, failed
        case partiallyRefunded = "partially_refunded"
        case refunded

        /// Captured, whatever has been refunded since.
        public var isCaptured: Bool { self == .captured || self == .partiallyRefunded || self == .refunded }
    }

    public let id: UUID
    public let tenantID: UUID
    public let kind: Kind
    public let contactID: UUID
    public let customerUserID: UUID?
    public let productID: UUID?
    public let description: String?
    public let amount: Int
    public let currency: String
    public var status: Status
    public var razorpayOrderID: String?
    public var razorpayPaymentID: String?
    public var razorpayLinkID: String?
    public var shortURL: String?
    public var captured: Int
    public var refunded: Int
    public var method: String?
    public var errorCode: String?
    public var errorDescription: String?
    public var mismatch: String?
    public let createdBy: UUID?
    public let createdAt: Date
    public var updatedAt: Date
    public var verifiedAt: Date?
    public var authorizedAt: Date?
    public var capturedAt: Date?
    public var failedAt: Date?
}

/// One refund of a captured payment.
public struct Refund: Sendable, Equatable {
    public enum Status: String, Sendable { case requested, pending, processed, failed }

    public let id: UUID
    public let paymentID: UUID
    public let amount: Int
    public var status: Status
    public var razorpayRefundID: String?
    public var error: String?
    public let createdBy: UUID?
    public let createdAt: Date
    public var updatedAt: Date
}
