import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A local stand-in for Razorpay's API (PROVIDERS.md §2) speaking its wire format:
/// HTTP Basic `keyID:keySecret`, `POST /v1/orders`, `/v1/payment_links` and
/// `/v1/payments/{id}/refund` (with `X-Refund-Idempotency`), errors in §2.7's shape.
/// Records every request, can be told to fail the next few, and posts signed
/// webhooks back (`RazorpayStandIn+Webhooks.swift`).
///
/// Signatures are computed here with Crypto directly, not through the `Razorpay`
/// module, so the adapter is checked against an independent implementation.
final class RazorpayStandIn: Sendable {
    /// One request as received.
    struct Request: Sendable, Equatable {
        let method: String
        let path: String
        /// Whether the Basic credentials were the stand-in's.
        let authorized: Bool
        /// The body as JSON; nil when it was empty or not JSON.
        let body: JSON?
        let rawBody: String
        let idempotencyKey: String?
        let contentType: String?
    }

    /// What to do to the next request instead of (or before) answering it normally.
    enum Failure: Sendable, Equatable {
        /// Answer with this status and a §2.7 error body.
        case http(status: Int, code: String, description: String, field: String? = nil)
        /// Close the connection without answering (a reset in the middle of the call).
        case dropConnection
        /// Wait this long, then answer normally (for timeouts and "still processing").
        case delay(Duration)
    }

    struct Order: Sendable, Equatable {
        let id: String
        let amount: Int
        let currency: String
        let receipt: String?
        let notes: [String: String]
        var status: String
        var amountPaid: Int
    }

    struct PaymentLink: Sendable, Equatable {
        let id: String
        let shortURL: String
        let amount: Int
        let currency: String
        let referenceID: String?
        let body: JSON
    }

    struct Payment: Sendable, Equatable {
        let id: String
        let orderID: String?
        let amount: Int
        let currency: String
        var amountRefunded: Int
    }

    struct Refund: Sendable, Equatable {
        let id: String
        let paymentID: String
        let amount: Int
        let currency: String
        let notes: [String: String]
        let idempotencyKey: String?
    }

    let keyID = "rzp_test_StandIn0000001"
    let keySecret = "standin_key_secret"
    let state = NIOLockedValueBox(State())
    struct State {
        var requests: [Request] = []
        var failures: [Failure] = []
        var orders: [Order] = []
        var paymentLinks: [PaymentLink] = []
        var payments: [String: Payment] = [:]
        var refunds: [Refund] = []
        /// X-Refund-Idempotency key → (payment id, body, the refund it made).
        var refundKeys: [String: (paymentID: String, body: JSON?, refundID: String)] = [:]
        var port: Int?
    }

    var requests: [Request] { state.withLockedValue { $0.requests } }
    var orders: [Order] { state.withLockedValue { $0.orders } }
    var paymentLinks: [PaymentLink] { state.withLockedValue { $0.paymentLinks } }
    var refunds: [Refund] { state.withLockedValue { $0.refunds } }
    var payments: [String: Payment] { state.withLockedValue { $0.payments } }
    /// What `RazorpayCredentials.baseURL` should be.
    var baseURL: String { "http://127.0.0.1:\(state.withLockedValue { $0.port } ?? 0)/v1" }

    /// Applies `failures` to the next requests, one each, in order.
    func failNext(_ failures: [Failure]) { state.withLockedValue { $0.failures.append(contentsOf: failures) } }

    /// Registers a captured payment that refunds may then be made against; marks its order paid.
    func capture(paymentID: String, orderID: String?, amount: Int, currency: String = "INR") {
        state.withLockedValue { state in
            state.payments[paymentID] = Payment(id: paymentID, orderID: orderID, amount: amount, currency: currency, amountRefunded: 0)
            if let index = state.orders.firstIndex(where: { $0.id == orderID }) {
                state.orders[index].status = "paid"
                state.orders[index].amountPaid = amount
            }
        }
    }

    /// Runs the stand-in for the duration of `body`.
    func run<Value: Sendable>(_ body: @Sendable (RazorpayStandIn) async throws -> Value) async throws -> Value {
        let router = Router(context: RazorpayStandInContext.self)
        router.post("/v1/orders") { request, context in try await self.handle(request, context: context, route: .orders) }
        router.post("/v1/payment_links") { request, context in
            try await self.handle(request, context: context, route: .paymentLinks)
        }
        router.post("/v1/payments/{id}/refund") { request, context in
            try await self.handle(request, context: context, route: .refund(context.parameters.get("id") ?? ""))
        }
        let started = NIOLockedValueBox<CheckedContinuation<Void, Never>?>(nil)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                self.state.withLockedValue { $0.port = channel.localAddress?.port }
                started.withLockedValue {
                    $0?.resume()
                    $0 = nil
                }
            },
            logger: {
                // Its shutdown by cancellation (and dropped connections) log errors; nothing worth reading.
                var logger = Logger(label: "razorpay-standin")
                logger.logLevel = .critical
                return logger
            }()
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            await withCheckedContinuation { continuation in
                started.withLockedValue { $0 = continuation }
                group.addTask { try await app.run() }
            }
            defer { group.cancelAll() }
            return try await body(self)
        }
    }
}

/// A request context that keeps the connection's channel, so a scripted failure can drop it.
struct RazorpayStandInContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
