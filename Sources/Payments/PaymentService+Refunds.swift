import Foundation
import Logging
import Persistence
import PostgresNIO
import Razorpay

extension PaymentService {
    /// Refunds `amount` (nil: everything still refundable) of a captured payment.
    /// The refund is recorded before Razorpay is asked, in the transaction that locks
    /// the payment and checks the limit, so concurrent refunds can never add up to
    /// more than was captured. Razorpay gets the refund's id as `X-Refund-Idempotency`,
    /// so retrying a request whose answer was lost (same `Idempotency-Key`) cannot
    /// refund twice.
    public func refund(
        _ paymentID: UUID, amount: Int?, by actor: PaymentActor, idempotencyKey: String?, logger: Logger
    ) async throws -> (refund: Refund, payment: Payment, replayed: Bool) {
        guard actor.isAdministrator else { throw PaymentError.forbidden("Only owners and admins may refund.") }
        let fingerprint = "\(paymentID.uuidString)|\(amount.map(String.init) ?? "full")"
        let (refund, payment, credentials, replayed) = try await database.withTenant(actor.tenantID, logger: logger) { connection in
            guard let credentials = try await accounts.credentials(actor.tenantID, on: connection, logger: logger) else {
                throw PaymentError.razorpayNotConfigured
            }
            guard var payment = try await store.find(actor.tenantID, id: paymentID, lock: true, on: connection, logger: logger) else {
                throw PaymentError.notFound
            }
            let refunds = try await store.refunds(actor.tenantID, payment: paymentID, on: connection, logger: logger)
            if let idempotencyKey,
                let earlier = try await store.findRefund(actor.tenantID, createdBy: actor.userID, idempotencyKey: idempotencyKey, on: connection, logger: logger)
            {
                guard earlier.requestHash == fingerprint, let refund = refunds.first(where: { $0.id == earlier.refundID }) else {
                    throw PaymentError.idempotencyKeyReused
                }
                return (refund, payment, credentials, true)
            }
            guard payment.status.isCaptured, payment.razorpayPaymentID != nil else {
                throw PaymentError.notRefundable("Only captured payments can be refunded; this one is \(payment.status.rawValue).")
            }
            let committed = refunds.filter { $0.status != .failed }.reduce(0) { $0 + $1.amount }
            let refundable = payment.captured - committed
            let requested = amount ?? refundable
            guard refundable > 0 else { throw PaymentError.refundTooLarge(refundable: 0) }
            guard requested <= refundable else { throw PaymentError.refundTooLarge(refundable: refundable) }
            guard requested >= 100 else { throw PaymentError.invalid(pointer: "/amount", detail: "must be at least 100 (1.00 in major units)") }
            let refund = Refund(
                id: UUID.timeOrdered(), paymentID: paymentID, amount: requested, status: .requested, razorpayRefundID: nil, error: nil,
                createdBy: actor.userID, createdAt: Date(), updatedAt: Date())
            try await store.insert(
                refund, tenantID: actor.tenantID, idempotencyKey: idempotencyKey, requestHash: idempotencyKey == nil ? nil : fingerprint,
                on: connection, logger: logger)
            // Counted from now on, so the limit holds while Razorpay is asked.
            PaymentProgress.settleRefunds(refunds + [refund], of: &payment)
            return (refund, payment, credentials, false)
        }
        guard refund.status == .requested else { return (refund, payment, replayed) }
        return try await send(refund, of: payment, credentials: credentials, by: actor, replayed: replayed, logger: logger)
    }

    /// Asks Razorpay for a recorded refund and settles it with the answer.
    private func send(
        _ requested: Refund, of payment: Payment, credentials: RazorpayCredentials, by actor: PaymentActor, replayed: Bool, logger: Logger
    ) async throws -> (refund: Refund, payment: Payment, replayed: Bool) {
        guard let razorpayPaymentID = payment.razorpayPaymentID else { throw PaymentError.notRefundable("No Razorpay payment to refund.") }
        let outcome: Result<RazorpayRefund, RazorpayError>
        do {
            outcome = .success(
                try await client.refund(
                    paymentID: razorpayPaymentID, amount: requested.amount,
                    idempotencyKey: requested.id.uuidString.replacingOccurrences(of: "-", with: "").lowercased(),
                    notes: ["switchboard_refund_id": requested.id.uuidString], credentials: credentials, logger: logger))
        } catch {
            outcome = .failure(error)
        }
        if case .failure(let error) = outcome, error.isRetryable {
            // Razorpay may or may not have acted: the refund stays `requested` (still
            // counted against the limit) for a retry with the same Idempotency-Key.
            throw Self.providerError(error)
        }
        let settled = try await database.withTenant(actor.tenantID, logger: logger) { connection in
            guard var payment = try await store.find(actor.tenantID, id: payment.id, lock: true, on: connection, logger: logger) else {
                throw PaymentError.notFound
            }
            var refunds = try await store.refunds(actor.tenantID, payment: payment.id, on: connection, logger: logger)
            guard let index = refunds.firstIndex(where: { $0.id == requested.id }) else { throw PaymentError.notFound }
            switch outcome {
            case .success(let answer):
                refunds[index].razorpayRefundID = answer.id
                // A webhook may have settled it already; only move forward.
                if refunds[index].status == .requested || refunds[index].status == .pending {
                    refunds[index].status = answer.status == "processed" ? .processed : answer.status == "failed" ? .failed : .pending
                }
            case .failure(let error):
                refunds[index].status = .failed
                refunds[index].error = error.description
            }
            try await store.save(refunds[index], tenantID: actor.tenantID, on: connection, logger: logger)
            let before = payment
            PaymentProgress.settleRefunds(refunds, of: &payment)
            if payment != before {
                try await store.save(payment, on: connection, logger: logger)
                try await events.changed(payment, by: actor.userID, on: connection, logger: logger)
            }
            return (refunds[index], payment)
        }
        if case .failure(let error) = outcome { throw Self.providerError(error) }
        return (settled.0, settled.1, replayed)
    }
}
