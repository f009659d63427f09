import Accounts
import Contacts
import Conversations
import Foundation
import Logging
import Persistence
import PostgresNIO
import Razorpay

/// Payments: Razorpay orders for Checkout and payment links for a contact, Checkout
/// verification, history. Each request to Razorpay runs outside any transaction
/// (a slow provider must not hold one open): the payment is stored only once
/// Razorpay has made the order or link, so a failure leaves nothing behind.
public struct PaymentService: Sendable {
    let database: Database
    let accounts: RazorpayAccounts
    let client: RazorpayClient
    let conversations: ConversationService?
    let store = PaymentStore()
    let products: ProductCatalog
    let events = PaymentEvents()
    let tenants = TenantStore()

    public init(database: Database, accounts: RazorpayAccounts, client: RazorpayClient = RazorpayClient(), conversations: ConversationService?) {
        self.database = database
        self.accounts = accounts
        self.client = client
        self.conversations = conversations
        products = ProductCatalog(database: database)
    }

    /// What to charge whom: a contact (staff; customers pay for themselves) and an
    /// amount, or a product whose price it is.
    public struct Charge: Sendable, Equatable {
        public var contactID: UUID?
        public var productID: UUID?
        public var amount: Int?
        public var currency: String?
        public var description: String?

        public init(contactID: UUID? = nil, productID: UUID? = nil, amount: Int? = nil, currency: String? = nil, description: String? = nil) {
            self.contactID = contactID
            self.productID = productID
            self.amount = amount
            self.currency = currency
            self.description = description
        }

        func fingerprint(_ kind: Payment.Kind) -> String {
            [kind.rawValue, contactID?.uuidString ?? "", productID?.uuidString ?? "", amount.map(String.init) ?? "", currency ?? "",
             description ?? ""].joined(separator: "|")
        }
    }

    /// The charge resolved against the tenant's data.
    struct Resolved: Sendable {
        let contact: CustomerContact
        let contactEmail: String?
        let product: Product?
        let amount: Int
        let currency: String
        let credentials: RazorpayCredentials
    }

    // MARK: orders

    /// Creates a Razorpay order for Checkout. Answers the payment, the key id Checkout
    /// needs, and whether `idempotencyKey` named an earlier identical request.
    public func createOrder(
        _ charge: Charge, by actor: PaymentActor, idempotencyKey: String, logger: Logger
    ) async throws -> (payment: Payment, keyID: String, contact: CustomerContact, replayed: Bool) {
        let fingerprint = charge.fingerprint(.order)
        let (resolved, earlier) = try await prepare(charge, kind: .order, by: actor, idempotencyKey: idempotencyKey, logger: logger)
        if let earlier { return (earlier, resolved.credentials.keyID, resolved.contact, true) }
        let id = UUID.timeOrdered()
        let order: RazorpayOrder
        do {
            order = try await client.createOrder(
                amount: resolved.amount, currency: resolved.currency, receipt: "sb-\(id.uuidString.lowercased())",
                notes: ["switchboard_payment_id": id.uuidString, "contact_id": resolved.contact.id.uuidString],
                credentials: resolved.credentials, logger: logger)
        } catch {
            throw Self.providerError(error)
        }
        let payment = Payment(
            id: id, tenantID: actor.tenantID, kind: .order, contactID: resolved.contact.id,
            customerUserID: actor.isCustomer ? actor.userID : nil, productID: resolved.product?.id, description: charge.description,
            amount: resolved.amount, currency: resolved.currency, status: .created, razorpayOrderID: order.id, razorpayPaymentID: nil,
            razorpayLinkID: nil, shortURL: nil, captured: 0, refunded: 0, method: nil, errorCode: nil, errorDescription: nil,
            mismatch: nil, createdBy: actor.userID, createdAt: Date(), updatedAt: Date())
        let stored = try await record(payment, idempotencyKey: idempotencyKey, fingerprint: fingerprint, logger: logger)
        return (stored.payment, resolved.credentials.keyID, resolved.contact, stored.replayed)
    }

    /// Creates a Razorpay payment link for the contact and, with `whatsapp`, sends it
    /// in the contact's WhatsApp conversation (as text inside the 24-hour window, or
    /// as the given template with the amount and the link as parameters).
    public func createLink(
        _ charge: Charge, whatsapp: WhatsAppDelivery?, by actor: PaymentActor, idempotencyKey: String, logger: Logger
    ) async throws -> (payment: Payment, replayed: Bool, whatsapp: Result<ChatMessage, ConversationError>?) {
        guard !actor.isCustomer else { throw PaymentError.forbidden("Payment links are sent by staff.") }
        let fingerprint = charge.fingerprint(.link)
        let (resolved, earlier) = try await prepare(charge, kind: .link, by: actor, idempotencyKey: idempotencyKey, logger: logger)
        if let earlier { return (earlier, true, nil) }
        let id = UUID.timeOrdered()
        let link: RazorpayPaymentLink
        do {
            link = try await client.createPaymentLink(
                PaymentLinkRequest(
                    amount: resolved.amount, currency: resolved.currency,
                    description: charge.description ?? resolved.product?.name, referenceID: id.uuidString.lowercased(),
                    customerName: resolved.contact.name, customerContact: resolved.contact.phone, customerEmail: resolved.contactEmail,
                    notes: ["switchboard_payment_id": id.uuidString]),
                credentials: resolved.credentials, logger: logger)
        } catch {
            throw Self.providerError(error)
        }
        let payment = Payment(
            id: id, tenantID: actor.tenantID, kind: .link, contactID: resolved.contact.id, customerUserID: nil,
            productID: resolved.product?.id, description: charge.description, amount: resolved.amount, currency: resolved.currency,
            status: .created, razorpayOrderID: nil, razorpayPaymentID: nil, razorpayLinkID: link.id, shortURL: link.shortURL,
            captured: 0, refunded: 0, method: nil, errorCode: nil, errorDescription: nil, mismatch: nil, createdBy: actor.userID,
            createdAt: Date(), updatedAt: Date())
        let stored = try await record(payment, idempotencyKey: idempotencyKey, fingerprint: fingerprint, logger: logger)
        guard let whatsapp, !stored.replayed, let conversations else { return (stored.payment, stored.replayed, nil) }
        let amountText = MoneyText.format(resolved.amount, currency: resolved.currency)
        let content: ConversationService.Content =
            if let template = whatsapp.template {
                .template(ChatMessage.Template(name: template.name, language: template.language, parameters: [amountText, link.shortURL]))
            } else {
                .text("Please pay \(amountText) here: \(link.shortURL)")
            }
        do {
            let sent = try await conversations.sendWhatsApp(
                content, toContact: resolved.contact.id, by: ConversationActor(tenantID: actor.tenantID, userID: actor.userID, role: actor.role),
                idempotencyKey: "payment-link-\(id.uuidString)", logger: logger)
            return (stored.payment, false, .success(sent.message))
        } catch let error as ConversationError {
            // The link exists either way; the answer says why WhatsApp did not carry it.
            return (stored.payment, false, .failure(error))
        }
    }

    /// How a payment link goes out on WhatsApp: free text, or this template.
    public struct WhatsAppDelivery: Sendable, Equatable {
        public var template: (name: String, language: String)?

        public init(template: (name: String, language: String)?) { self.template = template }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.template?.name == rhs.template?.name && lhs.template?.language == rhs.template?.language
        }
    }

    /// Phase 1: who pays what, with whose credentials; or the payment an earlier
    /// request with the same key made.
    private func prepare(
        _ charge: Charge, kind: Payment.Kind, by actor: PaymentActor, idempotencyKey: String, logger: Logger
    ) async throws -> (Resolved, Payment?) {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            guard let credentials = try await accounts.credentials(actor.tenantID, on: connection, logger: logger) else {
                throw PaymentError.razorpayNotConfigured
            }
            // A retry answers what the first request made, even if the product or the
            // contact changed since.
            if let earlier = try await store.find(actor.tenantID, createdBy: actor.userID, idempotencyKey: idempotencyKey, on: connection, logger: logger) {
                guard earlier.requestHash == charge.fingerprint(kind) else { throw PaymentError.idempotencyKeyReused }
                let payment = earlier.payment
                let contact =
                    try await PhoneContacts().find(actor.tenantID, id: payment.contactID, on: connection, logger: logger)
                    ?? CustomerContact(id: payment.contactID, name: "", phone: nil, stage: "new", ownerId: nil)
                return (
                    Resolved(
                        contact: contact, contactEmail: nil, product: nil, amount: payment.amount, currency: payment.currency,
                        credentials: credentials), payment
                )
            }
            let settings = try await tenants.find(id: actor.tenantID, on: connection, logger: logger)?.settings ?? TenantSettings()
            let contact: CustomerContact
            if actor.isCustomer {
                guard charge.contactID == nil else { throw PaymentError.forbidden("Customers pay for themselves; leave out contactId.") }
                guard let own = try await CustomerContacts().resolve(
                    actor.tenantID, customer: actor.userID, settings: settings, on: connection, logger: logger)
                else { throw PaymentError.contactNotFound }
                contact = own
            } else {
                guard let contactID = charge.contactID else { throw PaymentError.invalid(pointer: "/contactId", detail: "is required") }
                guard let found = try await PhoneContacts().find(actor.tenantID, id: contactID, on: connection, logger: logger),
                    !(actor.role == .agent && settings.contacts.agentsSeeOnlyOwn && found.ownerId != actor.userID)
                else { throw PaymentError.contactNotFound }
                contact = found
            }
            var product: Product?
            var amount = charge.amount
            var currency = charge.currency ?? "INR"
            if let productID = charge.productID {
                guard let found = try await products.find(actor.tenantID, id: productID, on: connection, logger: logger), found.active
                else { throw PaymentError.productNotFound }
                if let amount, amount != found.price {
                    throw PaymentError.invalid(pointer: "/amount", detail: "must match the product's price (\(found.price)) or be left out")
                }
                if let requested = charge.currency, requested != found.currency {
                    throw PaymentError.invalid(pointer: "/currency", detail: "must match the product's currency (\(found.currency)) or be left out")
                }
                product = found
                amount = found.price
                currency = found.currency
            } else if actor.isCustomer {
                throw PaymentError.invalid(pointer: "/productId", detail: "is required: customers pay for a product")
            }
            guard let amount else { throw PaymentError.invalid(pointer: "/amount", detail: "is required (or a productId)") }
            let email = try await contactEmail(actor.tenantID, contact: contact.id, on: connection, logger: logger)
            return (
                Resolved(contact: contact, contactEmail: email, product: product, amount: amount, currency: currency, credentials: credentials),
                nil
            )
        }
    }

    /// Phase 3: stores the payment Razorpay accepted, with its timeline entry. When the
    /// same request raced itself, the one stored first is the answer.
    private func record(_ payment: Payment, idempotencyKey: String, fingerprint: String, logger: Logger) async throws -> (
        payment: Payment, replayed: Bool
    ) {
        do {
            try await database.withTenant(payment.tenantID, logger: logger) { connection in
                try await store.insert(payment, idempotencyKey: idempotencyKey, requestHash: fingerprint, on: connection, logger: logger)
                try await events.changed(payment, by: payment.createdBy, on: connection, logger: logger)
            }
            return (payment, false)
        } catch where error.violatedUniqueConstraint == "payments_idempotency_key" {
            // Razorpay's order or link made by the losing request stays unused (and expires).
            let winner = try await database.withTenant(payment.tenantID, logger: logger) { connection in
                try await store.find(
                    payment.tenantID, createdBy: payment.createdBy ?? UUID(), idempotencyKey: idempotencyKey, on: connection, logger: logger)
            }
            guard let winner else { throw PaymentError.notFound }
            guard winner.requestHash == fingerprint else { throw PaymentError.idempotencyKeyReused }
            return (winner.payment, true)
        }
    }

    private func contactEmail(_ tenantID: UUID, contact: UUID, on connection: PooledConnection, logger: Logger) async throws -> String? {
        let rows = try await connection.query("SELECT email FROM contacts WHERE tenant_id = \(tenantID) AND id = \(contact)", logger: logger)
        for try await email in rows.decode(String?.self) { return email }
        return nil
    }

    static func providerError(_ error: any Error) -> PaymentError {
        guard let error = error as? RazorpayError else {
            return .provider(status: nil, code: nil, description: "\(error)", retryable: true)
        }
        return .provider(status: error.httpStatus, code: error.code, description: error.description, retryable: error.isRetryable)
    }

    // MARK: Checkout verification

    /// Checks Checkout's signature with the key secret (constant time) and marks the
    /// payment authorized, pending the webhook's confirmation. A wrong signature
    /// changes nothing.
    public func verify(orderID: String, paymentID: String, signature: String, by actor: PaymentActor, logger: Logger) async throws -> Payment {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            guard var payment = try await store.find(actor.tenantID, orderID: orderID, linkID: nil, on: connection, logger: logger),
                try await visible(payment, to: actor, on: connection, logger: logger)
            else { throw PaymentError.notFound }
            guard let credentials = try await accounts.credentials(actor.tenantID, on: connection, logger: logger) else {
                throw PaymentError.razorpayNotConfigured
            }
            guard RazorpaySignature.isValidPayment(orderID: orderID, paymentID: paymentID, signature: signature, keySecret: credentials.keySecret)
            else { throw PaymentError.invalidSignature }
            if payment.verifiedAt == nil { payment.verifiedAt = Date() }
            if payment.status == .created || payment.status == .failed {
                payment.status = .authorized
                payment.authorizedAt = Date()
                payment.razorpayPaymentID = paymentID
                try await store.save(payment, on: connection, logger: logger)
                try await events.changed(payment, by: actor.userID, on: connection, logger: logger)
            } else {
                try await store.save(payment, on: connection, logger: logger)
            }
            return payment
        }
    }

    // MARK: reading

    public func get(_ id: UUID, by actor: PaymentActor, logger: Logger) async throws -> (payment: Payment, refunds: [Refund]) {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            guard let payment = try await store.find(actor.tenantID, id: id, on: connection, logger: logger),
                try await visible(payment, to: actor, on: connection, logger: logger)
            else { throw PaymentError.notFound }
            return (payment, try await store.refunds(actor.tenantID, payment: id, on: connection, logger: logger))
        }
    }

    public func list(_ filter: PaymentFilter, after cursor: (Date, UUID)?, limit: Int, by actor: PaymentActor, logger: Logger) async throws
        -> [Payment]
    {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            let owner = try await ownOnly(actor, on: connection, logger: logger) ? actor.userID : nil
            return try await store.page(
                actor.tenantID, filter: filter, customer: actor.isCustomer ? actor.userID : nil, owner: owner, after: cursor, limit: limit,
                on: connection, logger: logger)
        }
    }

    /// Customers see what they started and what was asked of their own contact;
    /// agents limited to their own contacts, those contacts' payments.
    func visible(_ payment: Payment, to actor: PaymentActor, on connection: PooledConnection, logger: Logger) async throws -> Bool {
        if actor.isCustomer {
            if payment.customerUserID == actor.userID { return true }
            let rows = try await connection.query(
                "SELECT customer_user_id FROM contacts WHERE tenant_id = \(actor.tenantID) AND id = \(payment.contactID)", logger: logger)
            for try await linked in rows.decode(UUID?.self) { return linked == actor.userID }
            return false
        }
        guard try await ownOnly(actor, on: connection, logger: logger) else { return true }
        return try await PhoneContacts().find(actor.tenantID, id: payment.contactID, on: connection, logger: logger)?.ownerId == actor.userID
    }

    func ownOnly(_ actor: PaymentActor, on connection: PooledConnection, logger: Logger) async throws -> Bool {
        guard actor.role == .agent else { return false }
        return try await tenants.find(id: actor.tenantID, on: connection, logger: logger)?.settings.contacts.agentsSeeOnlyOwn ?? false
    }
}
