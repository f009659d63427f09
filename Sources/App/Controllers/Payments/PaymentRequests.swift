import Foundation
import Payments

/// The body of `POST /v1/payments/orders` and `POST /v1/payments/links`.
struct ChargeRequest: Decodable {
    struct WhatsApp: Decodable {
        struct Template: Decodable {
            let name: String
            let language: String
        }
        let template: Template?
    }

    let contactId: UUID?
    let productId: UUID?
    let amount: Int?
    let currency: String?
    let description: String?
    /// Links only: send the link in the contact's WhatsApp conversation.
    let whatsapp: WhatsApp?

    func validated() throws -> PaymentService.Charge {
        var validator = FieldValidator()
        if let amount, amount < 100 || amount > 100_000_000_00 {
            validator.fail("/amount", "must be a whole number of minor units from 100 (1.00) to 10000000000")
        }
        if let currency, currency.count != 3 || !currency.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            validator.fail("/currency", "must be an ISO 4217 code such as INR")
        }
        if let description, description.isEmpty || description.count > 255 {
            validator.fail("/description", "must be 1 to 255 characters")
        }
        if amount == nil && productId == nil { validator.fail("/amount", "is required (or a productId)") }
        if let template = whatsapp?.template {
            if template.name.isEmpty || template.name.count > 512
                || !template.name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
            {
                validator.fail("/whatsapp/template/name", "must be an approved template's name: lower-case letters, digits and underscores")
            }
            if template.language.isEmpty || template.language.count > 15 {
                validator.fail("/whatsapp/template/language", "must be a language code such as en or en_US")
            }
        }
        try validator.finish()
        return PaymentService.Charge(contactID: contactId, productID: productId, amount: amount, currency: currency, description: description)
    }
}

/// `POST /v1/payments/verify`: what Checkout handed the client.
struct VerifyPaymentRequest: Decodable {
    let razorpay_order_id: String
    let razorpay_payment_id: String
    let razorpay_signature: String

    func validated() throws {
        var validator = FieldValidator()
        for (pointer, value) in [
            ("/razorpay_order_id", razorpay_order_id), ("/razorpay_payment_id", razorpay_payment_id),
            ("/razorpay_signature", razorpay_signature),
        ] where value.isEmpty || value.count > 200 {
            validator.fail(pointer, "must be 1 to 200 characters")
        }
        try validator.finish()
    }
}

/// `POST /v1/payments/{id}/refunds`: `{amount?}` (absent: everything still refundable).
struct RefundRequest: Decodable {
    let amount: Int?
}

/// `POST /v1/products`.
struct CreateProductRequest: Decodable {
    let name: String
    let price: Int
    let currency: String?
    let active: Bool?

    func validated() throws -> (name: String, price: Int, currency: String, active: Bool) {
        var validator = FieldValidator()
        let name = self.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 200 { validator.fail("/name", "must be 1 to 200 characters after trimming") }
        if price < 100 || price > 100_000_000_00 { validator.fail("/price", "must be a whole number of minor units from 100 to 10000000000") }
        let currency = self.currency ?? "INR"
        if currency.count != 3 || !currency.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            validator.fail("/currency", "must be an ISO 4217 code such as INR")
        }
        try validator.finish()
        return (name, price, currency, active ?? true)
    }
}

/// `PATCH /v1/products/{id}`: absent fields stay.
struct UpdateProductRequest: Decodable {
    let name: String?
    let price: Int?
    let currency: String?
    let active: Bool?

    func validated() throws -> ProductCatalog.Changes {
        var validator = FieldValidator()
        let name = self.name?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let name, name.isEmpty || name.count > 200 { validator.fail("/name", "must be 1 to 200 characters after trimming") }
        if let price, price < 100 || price > 100_000_000_00 {
            validator.fail("/price", "must be a whole number of minor units from 100 to 10000000000")
        }
        if let currency, currency.count != 3 || !currency.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            validator.fail("/currency", "must be an ISO 4217 code such as INR")
        }
        if name == nil && price == nil && currency == nil && active == nil { validator.fail("", "must change at least one field") }
        try validator.finish()
        return ProductCatalog.Changes(name: name, price: price, currency: currency, active: active)
    }
}
