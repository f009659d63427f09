import Payments

extension AppError {
    init(_ error: PaymentError) {
        switch error {
        case .notFound: self = .notFound("No such payment.")
        case .contactNotFound: self = .notFound("No such contact.")
        case .productNotFound: self = .notFound("No such product.")
        case .invalid(let pointer, let detail): self = .validation(pointer: pointer, detail)
        case .forbidden(let detail): self = .forbidden(detail)
        case .razorpayNotConfigured:
            self = AppError(
                .unprocessableContent, kind: "razorpay-not-configured", title: "Razorpay is not configured",
                detail: "Set integrations.razorpay.keyId and keySecret in the tenant settings first.")
        case .provider(let status, let code, let description, let retryable):
            let source = status.map { "Razorpay answered \($0)" } ?? "Razorpay could not be reached"
            let retry = retryable ? " Retry with the same Idempotency-Key." : ""
            self = AppError(
                .badGateway, kind: "payment-provider-error", title: "Razorpay refused the request",
                detail: "\(source)\(code.map { " (\($0))" } ?? ""): \(description). Nothing was created.\(retry)")
        case .invalidSignature:
            self = AppError(
                .unprocessableContent, kind: "invalid-payment-signature", title: "Invalid payment signature",
                detail: "razorpay_signature does not match the order and payment; nothing changed.")
        case .refundTooLarge(let refundable):
            self = AppError(
                .unprocessableContent, kind: "refund-too-large", title: "Refund too large",
                detail: "At most \(refundable) (minor units) can still be refunded on this payment.")
        case .notRefundable(let detail):
            self = AppError(.conflict, kind: "not-refundable", title: "Not refundable", detail: detail)
        case .idempotencyKeyReused:
            self = AppError(
                .unprocessableContent, kind: "idempotency-key-reused", title: "Idempotency key reused",
                detail: "This Idempotency-Key was used for a different request.")
        }
    }
}
