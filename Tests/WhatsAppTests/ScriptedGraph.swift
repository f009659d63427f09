import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A bare local HTTP server for the client tests: it records every request and
/// answers each with the next scripted reply, so each test states exactly what
/// Graph says. (AppTests' `GraphStandIn` is the realistic one.)
final class ScriptedGraph: Sendable {
    struct Reply: Sendable {
        var status: Int
        var body: String
        var delay: Duration? = nil
    }

    struct Received: Sendable {
        let path: String
        let authorization: String?
        let contentType: String?
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    private let state: NIOLockedValueBox<State>
    private struct State {
        var replies: [Reply]
        var received: [Received] = []
        var port = 0
    }

    init(_ replies: [Reply]) {
        state = NIOLockedValueBox(State(replies: replies))
    }

    var received: [Received] { state.withLockedValue { $0.received } }
    var baseURL: String { "http://127.0.0.1:\(state.withLockedValue { $0.port })" }

    /// Runs the server for the duration of `body`.
    func run<Value: Sendable>(_ body: @Sendable (ScriptedGraph) async throws -> Value) async throws -> Value {
        let router = Router()
        router.post("/**") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let reply = self.state.withLockedValue { state -> Reply in
                state.received.append(
                    Received(
                        path: request.uri.path, authorization: request.headers[.authorization],
                        contentType: request.headers[.contentType], body: Array(buffer: bytes)))
                return state.replies.isEmpty ? Reply(status: 500, body: "unscripted request") : state.replies.removeFirst()
            }
            if let delay = reply.delay { try await Task.sleep(for: delay) }
            return Response(
                status: .init(code: reply.status), headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: reply.body)))
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
                var logger = Logger(label: "scripted-graph")
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
