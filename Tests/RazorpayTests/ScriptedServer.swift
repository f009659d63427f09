import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A tiny HTTP server that records what the client sent and answers with whatever
/// the test queued, so the client's encoding and error mapping are checked on the wire.
final class ScriptedServer: Sendable {
    struct Received: Sendable {
        let method: String
        let path: String
        let headers: [String: String]
        let body: [UInt8]

        /// The body as a JSON object (through JSONSerialization, independent of the module's decoder).
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]) ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Reply: Sendable {
        var status: HTTPResponse.Status
        var body: String
    }

    private let state = NIOLockedValueBox(State())
    private struct State {
        var received: [Received] = []
        var replies: [Reply] = []
        var port: Int?
    }

    var received: [Received] { state.withLockedValue { $0.received } }
    var baseURL: String { "http://127.0.0.1:\(state.withLockedValue { $0.port } ?? 0)/v1" }

    /// Queues the answers to the next requests, one each.
    func reply(_ status: HTTPResponse.Status, _ body: String) {
        state.withLockedValue { $0.replies.append(Reply(status: status, body: body)) }
    }

    /// Runs the server for the duration of `body`.
    func run<Value: Sendable>(_ body: @Sendable (ScriptedServer) async throws -> Value) async throws -> Value {
        let router = Router()
        router.post("/**") { request, _ -> Response in
            let bytes = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.rawName] = field.value }
            let reply = self.state.withLockedValue { state in
                state.received.append(Received(method: request.method.rawValue, path: request.uri.path, headers: headers, body: bytes))
                return state.replies.isEmpty ? Reply(status: .notFound, body: "nothing queued") : state.replies.removeFirst()
            }
            return Response(
                status: reply.status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: reply.body)))
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
                var logger = Logger(label: "razorpay-scripted-server")
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
