import Crypto
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A local stand-in for LiveKit's RoomService (PROVIDERS.md §3.2): Twirp JSON POSTs
/// to `/twirp/livekit.RoomService/{Method}`, each checked for a Bearer token signed
/// with the API secret over the received segments, issued by the API key, with the
/// `roomCreate` grant. Records rooms; can be told to fail like a broken SFU.
final class LiveKitStandIn: Sendable {
    struct Request: Sendable, Equatable {
        let method: String
        let body: [String: String]
    }

    let apiKey = "APIstandin"
    let apiSecret = "standin-secret-standin-secret-32"
    private let state = NIOLockedValueBox(State())
    private struct State {
        var requests: [Request] = []
        var rooms: Set<String> = []
        var failing = false
        var port: Int?
    }

    var requests: [Request] { state.withLockedValue { $0.requests } }
    var rooms: Set<String> { state.withLockedValue { $0.rooms } }
    func fail(_ failing: Bool) { state.withLockedValue { $0.failing = failing } }
    var url: String { "ws://127.0.0.1:\(state.withLockedValue { $0.port } ?? 0)" }

    /// Runs the stand-in for the duration of `body`.
    func run<Value: Sendable>(_ body: @Sendable (LiveKitStandIn) async throws -> Value) async throws -> Value {
        let router = Router()
        router.post("/twirp/livekit.RoomService/{method}") { request, context -> Response in
            try await self.handle(request, context: context)
        }
        let started = NIOLockedValueBox<CheckedContinuation<Void, Never>?>(nil)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                self.state.withLockedValue { $0.port = channel.localAddress?.port }
                started.withLockedValue {
                    $0?.resume(); $0 = nil
                }
            },
            logger: {
                // Its shutdown by cancellation logs an error; nothing here is worth reading.
                var logger = Logger(label: "livekit-standin")
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

    private func handle(_ request: Hummingbird.Request, context: BasicRequestContext) async throws -> Response {
        let method = context.parameters.get("method") ?? ""
        guard let token = request.headers[.authorization]?.split(separator: " ").last.map(String.init), verify(token) else {
            return Self.twirp(.unauthorized, code: "unauthenticated", msg: "invalid token")
        }
        if state.withLockedValue({ $0.failing }) {
            return Self.twirp(.serviceUnavailable, code: "unavailable", msg: "stand-in told to fail")
        }
        let buffer = try await request.body.collect(upTo: 1 << 16)
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            return Self.twirp(.badRequest, code: "malformed", msg: "body is not JSON")
        }
        let body = object.mapValues { "\($0)" }
        state.withLockedValue { $0.requests.append(Request(method: method, body: body)) }
        switch method {
        case "CreateRoom":
            guard let name = body["name"] else { return Self.twirp(.badRequest, code: "invalid_argument", msg: "name required") }
            state.withLockedValue { _ = $0.rooms.insert(name) }
            return Self.json(
                #"{"sid":"RM_standin","name":"\#(name)","empty_timeout":\#(body["empty_timeout"] ?? "0"),"creation_time":"1700000000"}"#)
        case "DeleteRoom":
            guard let name = body["room"] else { return Self.twirp(.badRequest, code: "invalid_argument", msg: "room required") }
            let existed = state.withLockedValue { $0.rooms.remove(name) != nil }
            return existed ? Self.json("{}") : Self.twirp(.notFound, code: "not_found", msg: "room not found")
        default:
            return Self.twirp(.notFound, code: "bad_route", msg: "no such method")
        }
    }

    /// Signature over the received segments, issuer, expiry and the roomCreate grant.
    private func verify(_ token: String) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { return false }
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data((parts[0] + "." + parts[1]).utf8), using: SymmetricKey(data: Data(apiSecret.utf8)))
        let expected = Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        guard expected == parts[2] else { return false }
        var payload = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        guard let data = Data(base64Encoded: payload),
            let claims = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            claims["iss"] as? String == apiKey, let exp = claims["exp"] as? Double, exp > Date().timeIntervalSince1970,
            (claims["video"] as? [String: Any])?["roomCreate"] as? Bool == true
        else { return false }
        return true
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func twirp(_ status: HTTPResponse.Status, code: String, msg: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"code":"\#(code)","msg":"\#(msg)"}"#))
        )
    }
}
