import Foundation

/// The JSON bodies the client sends, with Razorpay's field names. Optional fields
/// that are nil are left out; amounts are `Int`, so they encode as JSON integers.
enum RequestBody {
    struct Order: Encodable {
        var amount: Int
        var currency: String
        var receipt: String?
        var notes: [String: String]
    }

    struct PaymentLink: Encodable {
        struct Customer: Encodable {
            var name: String?
            var contact: String?
            var email: String?
        }

        struct Notify: Encodable {
            var sms: Bool
            var email: Bool
        }

        var amount: Int
        var currency: String
        var description: String?
        var referenceID: String?
        var customer: Customer?
        var notify: Notify
        var expireBy: Int?
        var notes: [String: String]
        var callbackURL: String?
        var callbackMethod: String?

        enum CodingKeys: String, CodingKey {
            case amount, currency, description, customer, notify, notes
            case referenceID = "reference_id"
            case expireBy = "expire_by"
            case callbackURL = "callback_url"
            case callbackMethod = "callback_method"
        }

        init(_ request: PaymentLinkRequest) {
            amount = request.amount
            currency = request.currency
            description = request.description
            referenceID = request.referenceID
            if request.customerName != nil || request.customerContact != nil || request.customerEmail != nil {
                customer = Customer(name: request.customerName, contact: request.customerContact, email: request.customerEmail)
            }
            notify = Notify(sms: request.notifySMS, email: request.notifyEmail)
            expireBy = request.expireBy.map { Int($0.timeIntervalSince1970) }
            notes = request.notes
            callbackURL = request.callbackURL
            callbackMethod = request.callbackURL == nil ? nil : "get"
        }
    }

    struct Refund: Encodable {
        /// nil: a full refund (the field is omitted, §2.6).
        var amount: Int?
        var notes: [String: String]
    }

    static func encode(_ body: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain structs of strings, ints and bools cannot fail.
        return (try? Array(encoder.encode(body))) ?? Array("{}".utf8)
    }
}
