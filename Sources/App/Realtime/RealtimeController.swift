import Foundation
import HTTPTypes
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
/// Both admit a client through `RealtimeAuthenticator` and hand it to the hub. SSE
/// answers a refusal with its problem (401, 422, 429). A WebSocket is upgraded first
/// and then closed with a code saying why (4001, 4422, 4029, 1011): browsers can read a
/// close code but not the status of a failed handshake, and the WebSocket library
/// answers every refused upgrade with a bare 400. A plain GET of the WebSocket URL
/// answers 426.
struct RealtimeController: Sendable {
    let admission: RealtimeAuthenticator
    let hub: RealtimeHub
    /// Inbound WebSocket messages larger than this close the connection.
    static let maximumInboundMessage = 64 * 1024

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: notUpgraded)
        group.get("sse", use: serverSentEvents)
    }

    /// The handler for an upgrade request to `GET /v1/realtime` (see `WebSocketUpgrades`).
    func upgrade(_ head: HTTPRequest, channel: any Channel) -> ShouldUpgradeResult<WebSocketUpgrades.Handler> {
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
        return .upgrade([:]) { inbound, outbound, context in
            try await serveWebSocket(inbound: inbound, outbound: outbound, request: request, channel: channel, logger: context.logger)
        }
    }

    /// A plain GET: the admission's problem, or 426.
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
        let channel = context.channel
        let body = ResponseBody { writer in
            let connection = admitted.connection(.serverSentEvents, channel: channel)
            defer { connection.markTransportFinished() }
            // A client that goes away is noticed at once, not at the next write.
            channel.closeFuture.whenComplete { _ in connection.queue.close(.clientLeft) }
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
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, request: Request, channel: any Channel,
        logger: Logger
    ) async throws {
        let admitted: RealtimeAuthenticator.Admission
        do {
            admitted = try await admission.admit(request, logger: logger)
        } catch {
            let reason = Self.refusal(error)
            try? await outbound.close(.unknown(reason.code), reason: reason.reason)
            return
        }
        let connection = admitted.connection(.webSocket, channel: channel)
        defer { connection.markTransportFinished() }
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

    /// The close code for a refused WebSocket: what the admission's problem says.
    static func refusal(_ error: any Error) -> CloseReason {
        switch (error as? AppError)?.status {
        case .unauthorized: .notAuthenticated
        case .unprocessableContent: .invalidLastEventID
        case .tooManyRequests: .tooManyConnections
        default: .serverError
        }
    }
}
