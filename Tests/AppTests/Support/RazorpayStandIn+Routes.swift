import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension RazorpayStandIn {
    static let refundIdempotency = HTTPField.Name("X-Refund-Idempotency")!

    enum Route {
        case orders
        case paymentLinks
        case refund(String)
    }

    /// Records the request, applies the next scripted failure, checks Basic auth, then routes.
    func handle(_ request: Hummingbird.Request, context: RazorpayStandInContext, route: Route) async throws -> Response {
        let bytes = Array(buffer: try await request.body.collect(upTo: 1 << 20))
        let authorized = request.headers[.authorization] == "Basic " + Data("\(keyID):\(keySecret)".utf8).base64EncodedString()
        let body = JSON.parse(bytes)
        let failure: Failure? = state.withLockedValue { state in
            state.requests.append(
                Request(
                    method: request.method.rawValue, path: request.uri.path, authorized: authorized, body: body,
                    rawBody: String(decoding: bytes, as: UTF8.self), idempotencyKey: request.headers[Self.refundIdempotency],
                    contentType: request.headers[.contentType]))
            return state.failures.isEmpty ? nil : state.failures.removeFirst()
        }
        switch failure {
        case .http(let status, let code, let description, let field):
            return Self.error(.init(code: status), code: code, description: description, field: field, reason: "stand_in_failure")
        case .dropConnection:
            try await context.channel.close()
            throw HTTPError(.internalServerError)
        case .delay(let duration):
            try await Task.sleep(for: duration)
        case nil:
            break
        }
        guard authorized else {
            return Self.error(.unauthorized, description: "Authentication failed", reason: "authentication_failed")
        }
        guard case .object? = body else { return Self.error(.badRequest, description: "The request body must be a JSON object") }
        switch route {
        case .orders: return createOrder(body!)
        case .paymentLinks: return createPaymentLink(body!)
        case .refund(let paymentID):
            return refund(paymentID: paymentID, body: body!, idempotencyKey: request.headers[Self.refundIdempotency])
        }
    }

    /// `POST /v1/orders` (§2.2).
    func createOrder(_ body: JSON) -> Response {
        if let problem = Self.validateMoney(body) { return problem }
        let receipt = body["receipt"]?.string
        if let value = body["receipt"], value != .null {
            guard let receipt, receipt.count <= 40 else {
                return Self.error(.badRequest, description: "The receipt may not be greater than 40 characters.", field: "receipt")
            }
        }
        guard let notes = Self.notes(body["notes"]) else {
            return Self.error(.badRequest, description: "The notes may not have more than 15 items.", field: "notes")
        }
        let order = Order(
            id: Self.newID("order_"), amount: body["amount"]!.int!, currency: body["currency"]!.string!, receipt: receipt,
            notes: notes, status: "created", amountPaid: 0)
        state.withLockedValue { $0.orders.append(order) }
        return Self.json(Self.orderJSON(order))
    }

    /// `POST /v1/payment_links` (§2.5). Reference ids are unique per account, as at Razorpay.
    func createPaymentLink(_ body: JSON) -> Response {
        if let problem = Self.validateMoney(body) { return problem }
        guard Self.notes(body["notes"]) != nil else {
            return Self.error(.badRequest, description: "The notes may not have more than 15 items.", field: "notes")
        }
        let referenceID = body["reference_id"]?.string
        let link = PaymentLink(
            id: Self.newID("plink_"), shortURL: "https://rzp.io/i/" + Self.newID("").prefix(9), amount: body["amount"]!.int!,
            currency: body["currency"]!.string!, referenceID: referenceID, body: body)
        let duplicate = state.withLockedValue { state in
            if let referenceID, state.paymentLinks.contains(where: { $0.referenceID == referenceID }) { return true }
            state.paymentLinks.append(link)
            return false
        }
        if duplicate {
            return Self.error(
                .badRequest, description: "Payment Link with reference_id \(referenceID ?? "") already exists", field: "reference_id")
        }
        let customer = body["customer"]
        let notify = body["notify"]
        return Self.json(
            #"{"accept_partial":false,"amount":\#(link.amount),"amount_paid":0,"callback_method":\#(Self.quoted(body["callback_method"]?.string ?? "")),"#
                + #""callback_url":\#(Self.quoted(body["callback_url"]?.string ?? "")),"cancelled_at":0,"created_at":\#(Self.now),"#
                + #""currency":\#(Self.quoted(link.currency)),"customer":{"contact":\#(Self.quoted(customer?["contact"]?.string)),"#
                + #""email":\#(Self.quoted(customer?["email"]?.string)),"name":\#(Self.quoted(customer?["name"]?.string))},"#
                + #""description":\#(Self.quoted(body["description"]?.string ?? "")),"expire_by":\#(body["expire_by"]?.int ?? 0),"#
                + #""expired_at":0,"first_min_partial_amount":0,"id":\#(Self.quoted(link.id)),"#
                + #""notes":\#(Self.notesJSON(Self.notes(body["notes"]) ?? [:])),"#
                + #""notify":{"email":\#(notify?["email"]?.bool ?? false),"sms":\#(notify?["sms"]?.bool ?? false)},"payments":null,"#
                + #""reference_id":\#(Self.quoted(referenceID ?? "")),"reminder_enable":false,"reminders":[],"#
                + #""short_url":\#(Self.quoted(link.shortURL)),"status":"created","updated_at":\#(Self.now),"user_id":""}"#)
    }

    /// `POST /v1/payments/{id}/refund` (§2.6): only against captured payments, never more than is left,
    /// and the same idempotency key with the same body gives back the same refund.
    func refund(paymentID: String, body: JSON, idempotencyKey: String?) -> Response {
        if let key = idempotencyKey {
            guard key.count >= 10,
                key.unicodeScalars.allSatisfy({
                    $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_".unicodeScalars.contains($0))
                })
            else {
                return Self.error(.badRequest, description: "The idempotency key is invalid", field: "X-Refund-Idempotency")
            }
        }
        if let value = body["amount"], value.int == nil || value.int! < 100 {
            return Self.error(.badRequest, description: "The amount must be at least INR 1.00", field: "amount")
        }
        guard let notes = Self.notes(body["notes"]) else {
            return Self.error(.badRequest, description: "The notes may not have more than 15 items.", field: "notes")
        }
        enum Outcome {
            case made(Refund)
            case problem(Response)
        }
        let outcome: Outcome = state.withLockedValue { state in
            if let key = idempotencyKey, let earlier = state.refundKeys[key] {
                guard earlier.paymentID == paymentID, earlier.body == body,
                    let refund = state.refunds.first(where: { $0.id == earlier.refundID })
                else {
                    return .problem(
                        Self.error(
                            .badRequest, description: "Different request body sent for the same idempotency key",
                            field: "X-Refund-Idempotency"))
                }
                return .made(refund)
            }
            guard var payment = state.payments[paymentID] else {
                return .problem(Self.error(.badRequest, description: "The id provided does not exist", field: "id"))
            }
            let left = payment.amount - payment.amountRefunded
            let amount = body["amount"]?.int ?? left
            guard left > 0 else {
                return .problem(Self.error(.badRequest, description: "The payment has been fully refunded already"))
            }
            guard amount <= left else {
                return .problem(
                    Self.error(.badRequest, description: "The refund amount provided is greater than amount captured", field: "amount"))
            }
            let refund = Refund(
                id: Self.newID("rfnd_"), paymentID: paymentID, amount: amount, currency: payment.currency, notes: notes,
                idempotencyKey: idempotencyKey)
            payment.amountRefunded += amount
            state.payments[paymentID] = payment
            state.refunds.append(refund)
            if let key = idempotencyKey { state.refundKeys[key] = (paymentID, body, refund.id) }
            return .made(refund)
        }
        switch outcome {
        case .made(let refund): return Self.json(Self.refundJSON(refund, status: "processed"))
        case .problem(let response): return response
        }
    }

    /// Amount an integer of at least 1.00, currency three upper-case letters.
    static func validateMoney(_ body: JSON) -> Response? {
        let currency = body["currency"]?.string ?? ""
        guard currency.count == 3, currency.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
            return error(.badRequest, description: "The currency field is invalid.", field: "currency")
        }
        guard let amount = body["amount"]?.int else {
            return error(.badRequest, description: "The amount must be an integer.", field: "amount")
        }
        guard amount >= 100 else {
            return error(.badRequest, description: "The amount must be at least \(currency) 1.00", field: "amount")
        }
        return nil
    }

    /// Notes as a dictionary: absent, null or `[]` is empty; at most 15 entries of at most 256 characters.
    static func notes(_ value: JSON?) -> [String: String]? {
        switch value {
        case nil, .null?: return [:]
        case .array(let items)? where items.isEmpty: return [:]
        default:
            guard let map = value?.stringMap, map.count <= 15, map.allSatisfy({ $0.key.count <= 256 && $0.value.count <= 256 })
            else { return nil }
            return map
        }
    }

    static func orderJSON(_ order: Order) -> String {
        #"{"id":\#(quoted(order.id)),"entity":"order","amount":\#(order.amount),"amount_paid":\#(order.amountPaid),"#
            + #""amount_due":\#(order.amount - order.amountPaid),"currency":\#(quoted(order.currency)),"#
            + #""receipt":\#(quoted(order.receipt)),"offer_id":null,"status":\#(quoted(order.status)),"#
            + #""attempts":\#(order.status == "created" ? 0 : 1),"notes":\#(notesJSON(order.notes)),"created_at":\#(now)}"#
    }

    static func refundJSON(_ refund: Refund, status: String) -> String {
        #"{"id":\#(quoted(refund.id)),"entity":"refund","amount":\#(refund.amount),"currency":\#(quoted(refund.currency)),"#
            + #""payment_id":\#(quoted(refund.paymentID)),"notes":\#(notesJSON(refund.notes)),"receipt":null,"#
            + #""acquirer_data":{"arn":null},"created_at":\#(now),"batch_id":null,"status":\#(quoted(status)),"#
            + #""speed_processed":"normal","speed_requested":"normal"}"#
    }
}
