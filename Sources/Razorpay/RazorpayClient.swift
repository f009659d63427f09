import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// The Razorpay calls Switchboard makes; `RazorpayClient` is the live one, tests may fake it.
public protocol RazorpayAPI: Sendable {
    func createOrder(
        amount: Int, currency: String, receipt: String?, notes: [String: String], credentials: RazorpayCredentials, logger: Logger
    ) async throws(RazorpayError) -> RazorpayOrder
    func createPaymentLink(
        _ request: PaymentLinkRequest, credentials: RazorpayCredentials, logger: Logger
    ) async throws(RazorpayError) -> RazorpayPaymentLink
    func refund(
        paymentID: String, amount: Int?, idempotencyKey: String, notes: [String: String], credentials: RazorpayCredentials,
        logger: Logger
    ) async throws(RazorpayError) -> RazorpayRefund
}

/// Razorpay's REST API over AsyncHTTPClient (PROVIDERS.md §2): JSON POSTs under the
/// tenant's base URL with HTTP Basic `key_id:key_secret`. Credentials come with each
/// call because every tenant has its own key pair.
public struct RazorpayClient: RazorpayAPI {
    let httpClient: HTTPClient
    let timeout: TimeAmount

    public init(httpClient: HTTPClient = .shared, timeout: TimeAmount = .seconds(15)) {
        self.httpClient = httpClient
        self.timeout = timeout
    }

    /// POST {baseURL}/orders with HTTP Basic key_id:key_secret and JSON {amount, currency, receipt?, notes}.
    public func createOrder(
        amount: Int, currency: String, receipt: String?, notes: [String: String], credentials: RazorpayCredentials, logger: Logger
    ) async throws(RazorpayError) -> RazorpayOrder {
        let body = RequestBody.Order(amount: amount, currency: currency, receipt: receipt, notes: notes)
        let (status, json) = try await post("/orders", body: RequestBody.encode(body), credentials: credentials, logger: logger)
        guard let order = RazorpayOrder(json) else { throw .unreadable(status: status, what: "order") }
        return order
    }

    /// POST {baseURL}/payment_links (PROVIDERS 2.5).
    public func createPaymentLink(
        _ request: PaymentLinkRequest, credentials: RazorpayCredentials, logger: Logger
    ) async throws(RazorpayError) -> RazorpayPaymentLink {
        let body = RequestBody.encode(RequestBody.PaymentLink(request))
        let (status, json) = try await post("/payment_links", body: body, credentials: credentials, logger: logger)
        guard let link = RazorpayPaymentLink(json) else { throw .unreadable(status: status, what: "payment link") }
        return link
    }

    /// POST {baseURL}/payments/{paymentID}/refund with header X-Refund-Idempotency: idempotencyKey (>= 10 chars [A-Za-z0-9_-]); amount nil = full refund.
    ///
    /// A key or payment id Razorpay would refuse is refused here, before anything is sent.
    public func refund(
        paymentID: String, amount: Int?, idempotencyKey: String, notes: [String: String], credentials: RazorpayCredentials,
        logger: Logger
    ) async throws(RazorpayError) -> RazorpayRefund {
        guard idempotencyKey.count >= 10, idempotencyKey.unicodeScalars.allSatisfy(Self.isIDCharacter) else {
            throw RazorpayError(
                httpStatus: nil, code: "BAD_REQUEST_ERROR",
                description: "The idempotency key must be at least 10 letters, digits, '-' or '_'", field: "X-Refund-Idempotency",
                isRetryable: false)
        }
        guard !paymentID.isEmpty, paymentID.unicodeScalars.allSatisfy(Self.isIDCharacter) else {
            throw RazorpayError(
                httpStatus: nil, code: "BAD_REQUEST_ERROR", description: "The id provided does not exist", field: "payment_id",
                isRetryable: false)
        }
        let body = RequestBody.encode(RequestBody.Refund(amount: amount, notes: notes))
        let (status, json) = try await post(
            "/payments/\(paymentID)/refund", body: body, headers: [("X-Refund-Idempotency", idempotencyKey)],
            credentials: credentials, logger: logger)
        guard let refund = RazorpayRefund(json) else { throw .unreadable(status: status, what: "refund") }
        return refund
    }

    static func isIDCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_" || scalar == "-")
    }

    /// Sends one POST and returns the 2xx status and its JSON body; anything else becomes a `RazorpayError`.
    func post(
        _ path: String, body: [UInt8], headers: [(String, String)] = [], credentials: RazorpayCredentials, logger: Logger
    ) async throws(RazorpayError) -> (Int, JSONValue) {
        var request = HTTPClientRequest(url: credentials.url(path))
        request.method = .POST
        request.headers.add(name: "Authorization", value: Self.basicAuthorization(credentials))
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: Int
        let bytes: [UInt8]
        do {
            let response = try await httpClient.execute(request, timeout: timeout, logger: logger)
            status = Int(response.status.code)
            bytes = Array(buffer: try await response.body.collect(upTo: 1 << 20))
        } catch {
            logger.warning("razorpay request failed", metadata: ["razorpay.path": "\(path)", "error": "\(error)"])
            throw .transport(error)
        }
        guard (200..<300).contains(status) else {
            let error = RazorpayError.response(status: status, body: bytes)
            logger.warning(
                "razorpay refused request",
                metadata: [
                    "razorpay.path": "\(path)", "http.status": "\(status)", "razorpay.code": "\(error.code ?? "-")",
                    "razorpay.field": "\(error.field ?? "-")",
                ])
            throw error
        }
        guard let json = try? JSONValue.parse(bytes) else { throw .unreadable(status: status, what: "JSON") }
        return (status, json)
    }

    static func basicAuthorization(_ credentials: RazorpayCredentials) -> String {
        "Basic " + Data("\(credentials.keyID):\(credentials.keySecret)".utf8).base64EncodedString()
    }
}
