import Accounts
import Conversations
import Foundation
import Hummingbird
import Payments

/// Payments through Razorpay.
///
/// - `POST /v1/payments/orders` (`Idempotency-Key` required): staff for a contact,
///   customers for themselves (a product); 201 with the payment and Checkout's options.
/// - `POST /v1/payments/verify`: Checkout's three `razorpay_*` fields; the signature
///   is checked and the payment marked authorized pending the webhook.
/// - `POST /v1/payments/links` (`Idempotency-Key` required, staff): a payment link,
///   optionally sent on WhatsApp.
/// - `GET /v1/payments` (filters `status`, `contact`, `from`, `to`), `GET /v1/payments/{id}`.
/// - `POST /v1/payments/{id}/refunds` (owners and admins; `Idempotency-Key` honoured).
struct PaymentsController: Sendable {
    let payments: PaymentService

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(use: list)
        group.post("orders", use: createOrder)
        group.post("verify", use: verify)
        group.post("links", use: createLink)
        group.get("{id}", use: get)
        group.post("{id}/refunds", use: refund)
    }

    static func requiredIdempotencyKey(_ request: Request) throws -> String {
        guard let key = try CallsController.idempotencyKey(request) else {
            throw AppError.validation(pointer: "/headers/Idempotency-Key", "is required: a retry must not charge twice")
        }
        return key
    }

    func createOrder(_ request: Request, context: TenantRequestContext) async throws -> EditedResponse<CheckoutResponse> {
        let key = try Self.requiredIdempotencyKey(request)
        let charge = try await request.decodeJSON(as: ChargeRequest.self, context: context).validated()
        let (payment, keyID, contact, replayed) = try await mapped {
            try await payments.createOrder(charge, by: context.paymentActor, idempotencyKey: key, logger: context.logger)
        }
        var headers: HTTPFields = [.location: "/v1/payments/\(payment.id.uuidString)"]
        if replayed { headers[.init("Idempotent-Replayed")!] = "true" }
        return EditedResponse(
            status: .created, headers: headers,
            response: CheckoutResponse(
                payment: PaymentResponse(payment),
                checkout: .init(
                    key: keyID, order_id: payment.razorpayOrderID ?? "", amount: payment.amount, currency: payment.currency,
                    description: payment.description, prefill: .init(name: contact.name, contact: contact.phone))))
    }

    func createLink(_ request: Request, context: TenantRequestContext) async throws -> EditedResponse<LinkResponse> {
        let key = try Self.requiredIdempotencyKey(request)
        let body = try await request.decodeJSON(as: ChargeRequest.self, context: context)
        let charge = try body.validated()
        let delivery = body.whatsapp.map { whatsapp in
            PaymentService.WhatsAppDelivery(template: whatsapp.template.map { ($0.name, $0.language) })
        }
        let (payment, replayed, sent) = try await mapped {
            try await payments.createLink(charge, whatsapp: delivery, by: context.paymentActor, idempotencyKey: key, logger: context.logger)
        }
        var headers: HTTPFields = [.location: "/v1/payments/\(payment.id.uuidString)"]
        if replayed { headers[.init("Idempotent-Replayed")!] = "true" }
        let whatsapp: LinkResponse.WhatsApp? =
            switch sent {
            case .success(let message): .init(sent: true, message: MessageResponse(message), problem: nil)
            case .failure(let error): .init(sent: false, message: nil, problem: AppError(error).detail)
            case nil: nil
            }
        return EditedResponse(status: .created, headers: headers, response: LinkResponse(payment: PaymentResponse(payment), whatsapp: whatsapp))
    }

    func verify(_ request: Request, context: TenantRequestContext) async throws -> PaymentResponse {
        let body = try await request.decodeJSON(as: VerifyPaymentRequest.self, context: context)
        try body.validated()
        let payment = try await mapped {
            try await payments.verify(
                orderID: body.razorpay_order_id, paymentID: body.razorpay_payment_id, signature: body.razorpay_signature,
                by: context.paymentActor, logger: context.logger)
        }
        return PaymentResponse(payment)
    }

    func get(_ request: Request, context: TenantRequestContext) async throws -> PaymentResponse {
        let id = try context.pathID()
        let (payment, refunds) = try await mapped { try await payments.get(id, by: context.paymentActor, logger: context.logger) }
        return PaymentResponse(payment, refunds: refunds)
    }

    func list(_ request: Request, context: TenantRequestContext) async throws -> Page<PaymentResponse> {
        let page = try PageRequest(request)
        let query = request.uri.queryParameters
        var validator = FieldValidator()
        var filter = PaymentFilter()
        if let raw = query["status"] {
            filter.status = Payment.Status(rawValue: String(raw))
            if filter.status == nil {
                validator.fail("/query/status", "must be one of \(Payment.Status.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let raw = query["contact"] {
            filter.contactID = UUID(uuidString: String(raw))
            if filter.contactID == nil { validator.fail("/query/contact", "must be a contact id") }
        }
        for (name, keyPath) in [("from", \PaymentFilter.from), ("to", \PaymentFilter.to)] {
            if let raw = query[Substring(name)] {
                guard let date = try? Date(String(raw), strategy: .iso8601) else {
                    validator.fail("/query/\(name)", "must be an ISO 8601 time, e.g. 2026-01-31T00:00:00Z")
                    continue
                }
                filter[keyPath: keyPath] = date
            }
        }
        var after: (Date, UUID)?
        if let cursor = page.cursor {
            let parts = cursor.split(separator: "|")
            if parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) {
                after = (Date(timeIntervalSince1970: Double(micros) / 1_000_000), id)
            } else {
                validator.fail("/query/cursor", "is not a cursor this server issued")
            }
        }
        try validator.finish()
        let rows = try await mapped {
            try await payments.list(filter, after: after, limit: page.limit + 1, by: context.paymentActor, logger: context.logger)
        }
        let shown = rows.prefix(page.limit)
        let next =
            rows.count > page.limit
            ? shown.last.map {
                PageRequest.encodeCursor("\(Int64(($0.createdAt.timeIntervalSince1970 * 1_000_000).rounded()))|\($0.id.uuidString)")
            } : nil
        return Page(items: shown.map { PaymentResponse($0) }, nextCursor: next)
    }

    func refund(_ request: Request, context: TenantRequestContext) async throws -> EditedResponse<RefundResponse> {
        let id = try context.pathID()
        let key = try CallsController.idempotencyKey(request)
        let body = try await request.decodeJSON(as: RefundRequest.self, context: context)
        let (refund, payment, replayed) = try await mapped {
            try await payments.refund(id, amount: body.amount, by: context.paymentActor, idempotencyKey: key, logger: context.logger)
        }
        var headers: HTTPFields = [:]
        if replayed { headers[.init("Idempotent-Replayed")!] = "true" }
        return EditedResponse(
            status: .created, headers: headers, response: RefundResponse(refund: RefundView(refund), payment: PaymentResponse(payment)))
    }

    func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PaymentError {
            throw AppError(error)
        }
    }
}

extension TenantRequestContext {
    var paymentActor: PaymentActor {
        PaymentActor(tenantID: principal.tenantID, userID: principal.userID, role: principal.role)
    }
}
