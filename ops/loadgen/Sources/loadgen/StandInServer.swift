import Dispatch
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP/1.1 server under the providers' stand-ins (`loadgen livekit`, `loadgen
/// razorpay`): one event loop, keep-alive, a fresh `handler()` per connection, until
/// SIGTERM (ops/bench stopping it), which ends it with status 0 as the nodes do; the
/// script runs under `set -e` and waits for it.
enum StandInServer {
    static func run(
        name: String, host: String, port: Int, handler: @escaping @Sendable () -> any ChannelHandler
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(handler())
                }
            }
            .bind(host: host, port: port).get()
        log("\(name) stand-in listening on \(host):\(port)")
        signal(SIGTERM, SIG_IGN)
        let terminate = DispatchSource.makeSignalSource(signal: SIGTERM)
        terminate.setEventHandler { channel.close(promise: nil) }
        terminate.resume()
        try await channel.closeFuture.get()
        terminate.cancel()
        try await group.shutdownGracefully()
    }

    /// Writes a JSON answer on `context`, closing the connection after it unless kept alive.
    static func answer(_ status: HTTPResponseStatus, _ body: String, to head: HTTPRequestHead, on context: ChannelHandlerContext) {
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "\(body.utf8.count)")])
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        let keepAlive = head.isKeepAlive
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }
}
