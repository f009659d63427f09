import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// The HTTP/1 server child channel with WebSocket upgrade, plus one fix: a connection
/// that has not sent a byte when the server shuts down is closed at once.
///
/// Until a request arrives, the library's upgrade pipeline has no handler for the
/// server's quiesce event, so a connection opened and left unused (browsers and HTTP
/// clients preconnect, and AsyncHTTPClient parks spares) held graceful shutdown until
/// the client gave up on it: SIGTERM did not end the process.
struct QuiescingUpgradeChannel: ServerChildChannel {
    let base: HTTP1WebSocketUpgradeChannel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1WebSocketUpgradeChannel.Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(UnusedConnectionCloser(), position: .first)
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: HTTP1WebSocketUpgradeChannel.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Closes its connection on the quiesce event if the client never sent anything;
/// otherwise passes the event on to the HTTP or WebSocket handlers behind it.
final class UnusedConnectionCloser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private var receivedBytes = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        receivedBytes = true
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, !receivedBytes {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
