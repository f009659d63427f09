import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Realtime
import ServiceLifecycle

/// The real-time transports.
///
/// - `GET /v1/realtime`: WebSocket. Event envelopes arrive as text frames; what the
///   client sends is read (so pings and closes work) and ignored; a message over 64 KiB
///   closes the socket with 1009.
/// - `GET /v1/realtime/sse`: Server-Sent Events, one `id:`/`event:`/`data:` message per
///   event, a comment line every 20 s, and a final `close` event when the server ends it.
///
/// Both admit a client through `RealtimeAuthenticator` and hand it to the hub. A
/// refused WebSocket upgrade falls through to the API router, which answers the same
/// admission with its problem (401, 400, 429) or, for a plain GET, 426.
struct RealtimeController: Sendable {
    let admission: RealtimeAuthenticator
    let hub: RealtimeHub
    /// Inbound WebSocket messages larger than this close the connection.
    static let maximumInboundMessage = 64 * 1024

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: notUpgraded)
        group.get("sse", use: serverSentEvents)
    }

    func addUpgradeRoute(to router: Router<WebSocketUpgradeContext>) {
        router.ws("v1/realtime") { request, context in
            // Refusals fall through to `notUpgraded`, which renders the problem.
            guard (try? await admission.admit(request, logger: context.logger)) != nil else { return .dontUpgrade }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            try await serveWebSocket(inbound: inbound, outbound: outbound, request: context.request, logger: context.logger)
        }
    }

    /// A plain GET (or an upgrade the admission refused): the problem, or 426.
    func notUpgraded(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try await admission.admit(request, logger: context.logger)
        throw AppError(
            .upgradeRequired, kind: "upgrade-required", title: "WebSocket upgrade required",
            detail: "Open this URL as a WebSocket, or use GET /v1/realtime/sse for Server-Sent Events.",
            headers: [.upgrade: "websocket", .connection: "Upgrade"]
        )
    }

    func serverSentEvents(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admitted = try await admission.admit(request, logger: context.logger)
        let hub = self.hub
        let logger = context.logger
        let body = ResponseBody { writer in
            let connection = admitted.connection(.serverSentEvents)
            // Tell the browser how soon to retry, and flush the headers now.
            try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
            let reason = try await withGracefulShutdownHandler {
                try await hub.serve(connection, resumeAfter: admitted.resumeAfter, logger: logger) { item in
                    switch item {
                    case .events(let events):
                        var batch = ByteBuffer()
                        for event in events { batch.writeImmutableBuffer(event.serverSentEvent) }
                        try await writer.write(batch)
                    case .heartbeat:
                        try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                    case .close:
                        break
                    }
                }
            } onGracefulShutdown: {
                connection.queue.close(.serverRestarting)
            }
            if let reason {
                let data = "{\"code\":\(reason.code),\"reason\":\"\(reason.reason)\",\"reconnect\":\(reason.clientShouldReconnect)}"
                try? await writer.write(ByteBuffer(string: "event: close\ndata: \(data)\n\n"))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store", .init("X-Accel-Buffering")!: "no"],
            body: body
        )
    }

    private func serveWebSocket(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, request: Request, logger: Logger
    ) async throws {
        guard let admitted = try? await admission.admit(request, logger: logger) else {
            try await outbound.close(.unknown(CloseReason.sessionEnded.code), reason: CloseReason.sessionEnded.reason)
            return
        }
        let connection = admitted.connection(.webSocket)
        let hub = self.hub
        let reason: CloseReason? = try await withThrowingTaskGroup(of: CloseReason?.self) { group in
            // Reading keeps pings, pongs and the close handshake going; content is ignored.
            group.addTask {
                do {
                    for try await _ in inbound.messages(maxSize: Self.maximumInboundMessage) {}
                    connection.queue.close(.clientLeft)
                } catch {
                    connection.queue.close(.messageTooBig)
                }
                return nil
            }
            group.addTask {
                try await withGracefulShutdownHandler {
                    try await hub.serve(connection, resumeAfter: admitted.resumeAfter, logger: logger) { item in
                        guard case .events(let events) = item else { return }
                        for event in events {
                            try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: event.json)))
                        }
                    }
                } onGracefulShutdown: {
                    connection.queue.close(.serverRestarting)
                }
            }
            var reason: CloseReason?
            for try await result in group {
                if let result { reason = result }
                if connection.queue.closeReason != nil, result != nil { break }
            }
            group.cancelAll()
            return reason ?? connection.queue.closeReason
        }
        if let reason, reason != .clientLeft {
            try? await outbound.close(.unknown(reason.code), reason: reason.reason)
        }
    }
}
