import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import WhatsApp

/// A local stand-in for the WhatsApp Cloud API (PROVIDERS.md §1): it takes
/// `POST /{version}/{phoneNumberID}/messages` with a Bearer token, checks the body
/// as strictly as §1.1 describes, answers like Graph (§1.2 errors included) and
/// records every request. It can be told to fail the next requests, and it posts
/// signed webhooks (§1.4, §1.5) back to the app as Meta would.
final class GraphStandIn: Sendable {
    /// A scripted answer for the next request, in place of the normal one.
    struct Failure: Sendable, Equatable {
        let status: Int
        /// The Graph `error.code`, or nil for a body that is not Graph JSON.
        let code: Int?
        let body: String

        /// A Graph error body (PROVIDERS.md §1.2) with this status and `error.code`.
        static func http(status: Int, code: Int, message: String, details: String? = nil) -> Failure {
            Failure(status: status, code: code, body: Answer.error(status, code: code, message: message, details: details).body)
        }

        /// A body that is not Graph JSON, like an HTML page from Meta's edge.
        static func http(status: Int, body: String) -> Failure {
            Failure(status: status, code: nil, body: body)
        }
    }

    /// One request as received, and what the stand-in answered.
    struct Send: Sendable {
        let version: String
        let phoneNumberID: String
        let path: String
        let authorization: String?
        let body: [UInt8]
        let status: Int
        /// The wamid answered, on success.
        let wamid: String?
        /// The Graph `error.code` answered, on failure (nil for a non-JSON failure).
        let errorCode: Int?

        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
        var to: String? { json?["to"] as? String }
        var type: String? { json?["type"] as? String }
        var textBody: String? { (json?["text"] as? [String: Any])?["body"] as? String }
        var templateName: String? { (json?["template"] as? [String: Any])?["name"] as? String }
        var templateLanguage: String? {
            ((json?["template"] as? [String: Any])?["language"] as? [String: Any])?["code"] as? String
        }
        /// The body component's text parameters, in order.
        var templateParameters: [String] {
            let components = (json?["template"] as? [String: Any])?["components"] as? [[String: Any]] ?? []
            let body = components.first { $0["type"] as? String == "body" }
            return (body?["parameters"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        }
    }

    /// The token every phone number id accepts unless `register` gave it its own.
    let accessToken: String
    private let state = NIOLockedValueBox(State())
    private struct State {
        var sends: [Send] = []
        var tokens: [String: String] = [:]
        var failures: [Failure] = []
        var delay: Duration?
        var counter = 0
        var port = 0
    }

    init(accessToken: String = "EAAGstandin-token") {
        self.accessToken = accessToken
    }

    var sends: [Send] { state.withLockedValue { $0.sends } }
    var baseURL: String { "http://127.0.0.1:\(state.withLockedValue { $0.port })" }

    /// Makes `phoneNumberID` accept only `accessToken`, as a second tenant's number would.
    func register(phoneNumberID: String, accessToken: String) {
        state.withLockedValue { $0.tokens[phoneNumberID] = accessToken }
    }

    /// Answers the next requests with these failures, one each, in order.
    func failNext(_ failures: [Failure]) {
        state.withLockedValue { $0.failures += failures }
    }

    /// Holds every answer back this long (nil for none), to exercise timeouts.
    func delayResponses(by delay: Duration?) {
        state.withLockedValue { $0.delay = delay }
    }

    /// Credentials that point the adapter at this stand-in.
    func credentials(phoneNumberID: String, accessToken: String? = nil) -> GraphCredentials {
        GraphCredentials(baseURL: baseURL, phoneNumberID: phoneNumberID, accessToken: accessToken ?? self.accessToken)
    }

    /// Runs the stand-in for the duration of `body`.
    func run<Value: Sendable>(_ body: @Sendable (GraphStandIn) async throws -> Value) async throws -> Value {
        let router = Router()
        router.post("/{version}/{phoneNumberID}/messages") { request, context -> Response in
            try await self.handle(request, context: context)
        }
        let started = NIOLockedValueBox<CheckedContinuation<Void, Never>?>(nil)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                self.state.withLockedValue { $0.port = channel.localAddress?.port ?? 0 }
                started.withLockedValue {
                    $0?.resume()
                    $0 = nil
                }
            },
            logger: {
                // Its shutdown by cancellation logs an error; nothing here is worth reading.
                var logger = Logger(label: "graph-standin")
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

    private func handle(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let version = context.parameters.get("version") ?? ""
        let phoneNumberID = context.parameters.get("phoneNumberID") ?? ""
        let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
        let authorization = request.headers[.authorization]
        let (delay, failure, expectedToken) = state.withLockedValue { state in
            (state.delay, state.failures.isEmpty ? nil : state.failures.removeFirst(), state.tokens[phoneNumberID] ?? accessToken)
        }
        if let delay { try await Task.sleep(for: delay) }

        let answer: Answer
        if let failure {
            answer = Answer(status: failure.status, wamid: nil, code: failure.code, body: failure.body)
        } else if authorization != "Bearer \(expectedToken)" {
            answer = .error(401, code: 190, message: "Invalid OAuth access token - Cannot parse access token")
        } else if !version.hasPrefix("v") || Double(version.dropFirst()) == nil {
            answer = .error(400, code: 2500, message: "Unknown path components: /\(version)/\(phoneNumberID)/messages")
        } else if !(request.headers[.contentType] ?? "").hasPrefix("application/json") {
            answer = .error(400, code: 100, message: "(#100) The parameter messaging_product is required.")
        } else {
            switch Self.check(body) {
            case .invalid(let problem):
                answer = problem
            case .valid(let to, let isTemplate):
                let wamid = state.withLockedValue { state in
                    state.counter += 1
                    return "wamid.HBgMstandin\(state.counter).\(UUID().uuidString.prefix(8))"
                }
                answer = .accepted(wamid: wamid, to: to, template: isTemplate)
            }
        }
        state.withLockedValue {
            $0.sends.append(
                Send(
                    version: version, phoneNumberID: phoneNumberID, path: request.uri.path, authorization: authorization,
                    body: body, status: answer.status, wamid: answer.wamid, errorCode: answer.code))
        }
        return answer.response
    }
}
