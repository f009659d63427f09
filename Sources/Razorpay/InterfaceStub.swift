// TEMPORARY: replaced by the adapter's implementation.
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

public struct RazorpayCredentials: Sendable, Equatable {
    public var baseURL: String
    public var keyID: String
    public var keySecret: String
    public init(baseURL: String = RazorpayCredentials.defaultBaseURL, keyID: String, keySecret: String) {
        self.baseURL = baseURL; self.keyID = keyID; self.keySecret = keySecret
    }
    public static let defaultBaseURL = "https://api.razorpay.com/v1"
}
public struct RazorpayError: Error, Sendable, Equatable {
    public var httpStatus: Int?
    public var code: String?
    public var description: String
    public var field: String?
    public var reason: String?
    public var isRetryable: Bool
}
public struct RazorpayOrder: Sendable, Equatable { public var id: String; public var amount: Int; public var currency: String; public var status: String; public var receipt: String? }
public struct RazorpayPaymentLink: Sendable, Equatable { public var id: String; public var shortURL: String; public var status: String; public var amount: Int; public var currency: String; public var referenceID: String? }
public struct RazorpayRefund: Sendable, Equatable { public var id: String; public var paymentID: String; public var amount: Int; public var currency: String; public var status: String }
public struct PaymentLinkRequest: Sendable, Equatable {
    public var amount: Int; public var currency: String; public var description: String?; public var referenceID: String?
    public var customerName: String?; public var customerContact: String?; public var customerEmail: String?
    public var notifySMS: Bool; public var notifyEmail: Bool; public var expireBy: Date?; public var notes: [String: String]
    public init(amount: Int, currency: String, description: String? = nil, referenceID: String? = nil, customerName: String? = nil, customerContact: String? = nil, customerEmail: String? = nil, notifySMS: Bool = false, notifyEmail: Bool = false, expireBy: Date? = nil, notes: [String: String] = [:]) {
        self.amount = amount; self.currency = currency; self.description = description; self.referenceID = referenceID
        self.customerName = customerName; self.customerContact = customerContact; self.customerEmail = customerEmail
        self.notifySMS = notifySMS; self.notifyEmail = notifyEmail; self.expireBy = expireBy; self.notes = notes
    }
}
public struct RazorpayClient: Sendable {
    public init(httpClient: HTTPClient = .shared, timeout: TimeAmount = .seconds(15)) {}
    public func createOrder(amount: Int, currency: String, receipt: String?, notes: [String: String], credentials: RazorpayCredentials, logger: Logger) async throws(RazorpayError) -> RazorpayOrder { fatalError() }
    public func createPaymentLink(_ request: PaymentLinkRequest, credentials: RazorpayCredentials, logger: Logger) async throws(RazorpayError) -> RazorpayPaymentLink { fatalError() }
    public func refund(paymentID: String, amount: Int?, idempotencyKey: String, notes: [String: String], credentials: RazorpayCredentials, logger: Logger) async throws(RazorpayError) -> RazorpayRefund { fatalError() }
}
public enum RazorpaySignature {
    public static func isValidPayment(orderID: String, paymentID: String, signature: String, keySecret: String) -> Bool { fatalError() }
    public static func payment(orderID: String, paymentID: String, keySecret: String) -> String { fatalError() }
    public static func isValidWebhook(signature: String?, body: [UInt8], secret: String) -> Bool { fatalError() }
    public static func webhook(body: [UInt8], secret: String) -> String { fatalError() }
}
public struct PaymentEntity: Sendable, Equatable {
    public var id: String; public var amount: Int; public var currency: String; public var status: String
    public var orderID: String?; public var method: String?; public var amountRefunded: Int; public var email: String?; public var contact: String?
    public var errorCode: String?; public var errorDescription: String?; public var errorReason: String?; public var createdAt: Date?
}
public struct OrderEntity: Sendable, Equatable { public var id: String; public var amount: Int; public var amountPaid: Int; public var currency: String; public var status: String; public var receipt: String? }
public struct RefundEntity: Sendable, Equatable { public var id: String; public var paymentID: String; public var amount: Int; public var currency: String; public var status: String }
public struct PaymentLinkEntity: Sendable, Equatable { public var id: String; public var amount: Int; public var amountPaid: Int; public var currency: String; public var status: String; public var referenceID: String? }
public struct RazorpayEvent: Sendable, Equatable {
    public var event: String
    public var accountID: String?
    public var createdAt: Date?
    public var payment: PaymentEntity?
    public var order: OrderEntity?
    public var refund: RefundEntity?
    public var paymentLink: PaymentLinkEntity?
    public static func parse(_ body: [UInt8]) throws -> RazorpayEvent { fatalError() }
}
public struct RazorpayPayloadError: Error, Sendable, Equatable { public var reason: String }
