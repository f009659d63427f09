import Conversations
import Foundation
import Hummingbird
import Payments

/// A payment as a response body (`PaymentView`, shared with the `payment.*` events),
/// with its refunds when one payment is shown.
struct PaymentResponse: ResponseEncodable, Sendable {
    let view: PaymentView
    let refunds: [RefundView]?

    init(_ payment: Payment, refunds: [Refund]? = nil) {
        view = PaymentView(payment)
        self.refunds = refunds?.map(RefundView.init)
    }

    func encode(to encoder: any Encoder) throws {
        try view.encode(to: encoder)
        if let refunds {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(refunds, forKey: .refunds)
        }
    }

    private enum Key: String, CodingKey { case refunds }
}

/// `POST /v1/payments/orders`: the payment and what Razorpay Checkout needs.
struct CheckoutResponse: ResponseEncodable, Sendable {
    struct Checkout: Encodable, Sendable {
        struct Prefill: Encodable, Sendable {
            let name: String
            let contact: String?
        }
        let key: String
        let order_id: String
        let amount: Int
        let currency: String
        let description: String?
        let prefill: Prefill
    }

    let payment: PaymentResponse
    let checkout: Checkout
}

/// `POST /v1/payments/links`: the payment (with `shortUrl`), and what became of the
/// WhatsApp message when one was asked for.
struct LinkResponse: ResponseEncodable, Sendable {
    struct WhatsApp: Encodable, Sendable {
        let sent: Bool
        let message: MessageResponse?
        let problem: String?
    }

    let payment: PaymentResponse
    let whatsapp: WhatsApp?
}

/// A product as a response body.
struct ProductResponse: ResponseEncodable, Sendable {
    let id: UUID
    let name: String
    let price: Int
    let currency: String
    let active: Bool
    let createdAt: Date
    let updatedAt: Date

    init(_ product: Product) {
        id = product.id
        name = product.name
        price = product.price
        currency = product.currency
        active = product.active
        createdAt = product.createdAt
        updatedAt = product.updatedAt
    }
}

/// `POST /v1/payments/{id}/refunds`: the refund and the payment after it.
struct RefundResponse: ResponseEncodable, Sendable {
    let refund: RefundView
    let payment: PaymentResponse
}
