import Foundation

public enum PaymentError: Error, Sendable, Equatable {
    case notFound
    case contactNotFound
    case productNotFound
    case invalid(pointer: String, detail: String)
    case forbidden(String)
    /// The tenant has not set its Razorpay key id and key secret.
    case razorpayNotConfigured
    /// Razorpay refused or failed the request; nothing was stored.
    case provider(status: Int?, code: String?, description: String, retryable: Bool)
    /// The Checkout signature does not match the order and payment.
    case invalidSignature
    /// More than the captured amount, less what is refunded or being refunded.
    case refundTooLarge(refundable: Int)
    case notRefundable(String)
    case idempotencyKeyReused
}
