import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1

/// `loadgen razorpay`: a stand-in for Razorpay's Orders API (PROVIDERS §2.2), so the
/// payments benchmark's node has a provider to create orders on. `POST /v1/orders`
/// checks HTTP Basic `key_id:key_secret` (401 with Razorpay's error body otherwise) and
/// the amount (at least 100), and answers 200 with an order entity (`order_` and 14
/// characters, unique per process) at once, on one event loop, so a real provider's
/// round trip is not in the figures (`--delay-ms` adds one). `GET /stats` answers the
/// requests served, by outcome.
struct RazorpayStandIn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "razorpay", abstract: "Razorpay Orders API stand-in for ops/bench payments (runs until killed).")

    @Option var host = "127.0.0.1"
    @Option var port: Int
    @Option(help: "The key id the node must send.") var keyID: String
    @Option(help: "File holding the key secret the node must send.") var keySecretFile: String
    @Option(help: "Milliseconds to wait before answering an order (0: none).") var delayMs = 0

    func run() async throws {
        let secret = try String(contentsOfFile: keySecretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let state = OrdersState(authorization: "Basic " + Data("\(keyID):\(secret)".utf8).base64EncodedString())
        let delay = TimeAmount.milliseconds(Int64(delayMs))
        try await StandInServer.run(name: "razorpay", host: host, port: port) { OrdersHandler(state: state, delay: delay) }
    }
}

/// The expected credentials, the orders made and the requests served. Touched only on
/// the stand-in's single event loop.
final class OrdersState: @unchecked Sendable {
    let authorization: String
    var made = 0
    var served: [String: Int] = [:]
    init(authorization: String) { self.authorization = authorization }
}

final class OrdersHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart

    let state: OrdersState
    let delay: TimeAmount
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(state: OrdersState, delay: TimeAmount) {
        self.state = state
        self.delay = delay
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var part): body.writeBuffer(&part)
        case .end:
            guard let head else { return }
            self.head = nil
            let (status, text) = answer(head)
            state.served["\(head.method) \(head.uri) \(status.code)", default: 0] += 1
            if delay > .zero, status == .ok, head.method == .POST {
                context.eventLoop.scheduleTask(in: delay) { StandInServer.answer(status, text, to: head, on: context) }
            } else {
                StandInServer.answer(status, text, to: head, on: context)
            }
        }
    }

    private func answer(_ head: HTTPRequestHead) -> (HTTPResponseStatus, String) {
        if head.method == .GET, head.uri == "/stats" {
            let served = state.served.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }
            return (.ok, "{\"orders_made\":\(state.made),\"served\":{" + served.joined(separator: ",") + "}}")
        }
        guard head.method == .POST, head.uri == "/v1/orders" else {
            return (.notFound, Self.error("BAD_REQUEST_ERROR", "The requested URL was not found on the server.", field: nil))
        }
        guard head.headers.first(name: "authorization") == state.authorization else {
            return (.unauthorized, Self.error("BAD_REQUEST_ERROR", "Authentication failed", field: nil))
        }
        guard let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any],
              let amount = json["amount"] as? Int, let currency = json["currency"] as? String
        else { return (.badRequest, Self.error("BAD_REQUEST_ERROR", "amount and currency are required", field: "amount")) }
        guard amount >= 100 else {
            return (.badRequest, Self.error("BAD_REQUEST_ERROR", "The amount must be at least INR 1.00", field: "amount"))
        }
        state.made += 1
        let digits = String(state.made, radix: 36).uppercased()
        let id = "order_SB" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
        let receipt = (json["receipt"] as? String).map { "\"\($0)\"" } ?? "null"
        let notes = (json["notes"] as? [String: Any]).flatMap { try? JSONSerialization.data(withJSONObject: $0) }
            .map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        return (
            .ok,
            "{\"id\":\"\(id)\",\"entity\":\"order\",\"amount\":\(amount),\"amount_paid\":0,\"amount_due\":\(amount),"
                + "\"currency\":\"\(currency)\",\"receipt\":\(receipt),\"offer_id\":null,\"status\":\"created\",\"attempts\":0,"
                + "\"notes\":\(notes),\"created_at\":\(Int(Date().timeIntervalSince1970))}"
        )
    }

    static func error(_ code: String, _ description: String, field: String?) -> String {
        "{\"error\":{\"code\":\"\(code)\",\"description\":\"\(description)\",\"source\":\"business\",\"step\":\"payment_initiation\","
            + "\"reason\":\"input_validation_failed\",\"metadata\":{},\"field\":\(field.map { "\"\($0)\"" } ?? "null")}}"
    }
}
