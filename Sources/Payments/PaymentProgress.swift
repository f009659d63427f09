import Foundation
import Razorpay

/// How Razorpay's reports move a payment. Webhooks arrive late, twice and in any
/// order, so every rule only moves forward: a captured payment never goes back; a
/// failure counts only before capture (a `payment.failed` followed by a
/// `payment.captured` ends captured); an amount or currency that differs from the
/// order is recorded as a mismatch for a person to look at, never silently taken.
enum PaymentProgress {
    /// Applies what `event` says of `entity` (a payment of this order or link).
    static func apply(_ entity: PaymentEntity, event: String, to payment: inout Payment, at now: Date) {
        if entity.currency != payment.currency || entity.amount != payment.amount {
            payment.mismatch =
                "Razorpay reported \(entity.amount) \(entity.currency) for \(entity.id); the \(payment.kind.rawValue) is for \(payment.amount) \(payment.currency)"
        }
        let reported = reportedStatus(event: event, entity: entity)
        switch reported {
        case .captured:
            guard !payment.status.isCaptured else { return }
            payment.status = .captured
            payment.captured = entity.amount
            payment.capturedAt = now
            payment.razorpayPaymentID = entity.id
            payment.method = entity.method ?? payment.method
            if payment.authorizedAt == nil { payment.authorizedAt = now }
        case .authorized:
            guard payment.status == .created || payment.status == .failed else { return }
            payment.status = .authorized
            payment.authorizedAt = now
            payment.razorpayPaymentID = entity.id
            payment.method = entity.method ?? payment.method
        case .failed:
            // Another attempt at the same order may already be authorized: only its
            // own failure (or one before any success) fails the payment.
            guard payment.status == .created || (payment.status == .authorized && payment.razorpayPaymentID == entity.id)
                || payment.status == .failed
            else { return }
            payment.status = .failed
            payment.failedAt = now
            payment.razorpayPaymentID = entity.id
            payment.errorCode = entity.errorCode
            payment.errorDescription = entity.errorDescription ?? entity.errorReason
        case nil, .created, .partiallyRefunded, .refunded:
            return
        }
    }

    private static func reportedStatus(event: String, entity: PaymentEntity) -> Payment.Status? {
        switch event {
        case "payment.captured", "order.paid", "payment_link.paid": return .captured
        case "payment.authorized": return entity.status == "captured" ? .captured : .authorized
        case "payment.failed": return .failed
        default:
            switch entity.status {
            case "captured", "refunded": return .captured
            case "authorized": return .authorized
            case "failed": return .failed
            default: return nil
            }
        }
    }

    /// The refund state a refund event reports; a settled refund never goes back to pending.
    static func apply(event: String, to refund: inout Refund) {
        let reported: Refund.Status? =
            switch event {
            case "refund.processed": .processed
            case "refund.failed": .failed
            case "refund.created": .pending
            default: nil
            }
        guard let reported else { return }
        if reported == .pending, refund.status == .processed || refund.status == .failed { return }
        refund.status = reported
    }

    /// The payment's refunded total and status from its refunds (failed ones count nothing).
    static func settleRefunds(_ refunds: [Refund], of payment: inout Payment) {
        guard payment.status.isCaptured else { return }
        let total = refunds.filter { $0.status != .failed }.reduce(0) { $0 + $1.amount }
        payment.refunded = min(total, payment.captured)
        payment.status =
            payment.refunded == 0 ? .captured : payment.refunded >= payment.captured ? .refunded : .partiallyRefunded
    }
}
