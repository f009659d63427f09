import NIOCore
import NIOHTTP1
import NIOPosix

/// Keep-alive HTTP/1.1 connections to one node whose source addresses rotate over
/// 127.0.0.2 ... 127.0.0.(1+sources), as a provider's many senders would arrive. Like
/// `HTTPPool`: one request per connection at a time, at most `limit` connections, a
/// request waits in line when all are busy (the wait shows up as lateness, since the
/// send time is read when the request reaches the wire). Touched only on `loop`.
final class SourcedHTTPPool: @unchecked Sendable {
    let loop: EventLoop
    let host: String
    let port: Int
    let limit: Int
    let sources: Int
    private var idle: [Channel] = []
    private var open = 0
    private var opened = 0
    private var queue = CircularBuffer<(HTTPRequestHead, ByteBuffer, EventLoopPromise<HTTPAnswer>)>()
    private(set) var longestQueue = 0
    private(set) var broken = 0

    init(loop: EventLoop, host: String, port: Int, limit: Int, sources: Int) {
        self.loop = loop
        self.host = host
        self.port = port
        self.limit = limit
        self.sources = max(1, sources)
    }

    var openConnections: Int { open }

    private func connect() -> EventLoopFuture<Channel> {
        let source = "127.0.0.\(2 + opened % sources)"
        opened += 1
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(HTTPAnswerHandler())
                }
            }
        do {
            return bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0)).connect(host: host, port: port)
        } catch {
            return loop.makeFailedFuture(error)
        }
    }

    /// Opens `count` connections up front, so the first requests do not pay for them.
    func warm(_ count: Int) -> EventLoopFuture<Void> {
        let opening = (0..<min(count, limit)).map { _ in connect() }
        open += opening.count
        return EventLoopFuture.whenAllSucceed(opening, on: loop).map { self.idle += $0 }
    }

    /// POSTs `body` (JSON) to `path` with `headers`.
    func post(path: String, headers extra: [(String, String)], body: ByteBuffer) -> EventLoopFuture<HTTPAnswer> {
        send(.POST, path: path, headers: extra, body: body)
    }

    /// Sends `method` to `path` with `headers` and `body` (JSON when there is one).
    func send(_ method: HTTPMethod, path: String, headers extra: [(String, String)], body: ByteBuffer) -> EventLoopFuture<HTTPAnswer> {
        loop.preconditionInEventLoop()
        var headers = HTTPHeaders([("Host", "\(host):\(port)")])
        if body.readableBytes > 0 || method == .POST {
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: "\(body.readableBytes)")
        }
        for (name, value) in extra { headers.add(name: name, value: value) }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)
        while let channel = idle.popLast() {
            if channel.isActive { return run(head, body, on: channel) }
            open -= 1
            broken += 1
        }
        let promise = loop.makePromise(of: HTTPAnswer.self)
        queue.append((head, body, promise))
        longestQueue = max(longestQueue, queue.count)
        if open < limit {
            open += 1
            connect().whenComplete { result in
                switch result {
                case .success(let channel): self.release(channel)
                case .failure(let error):
                    self.open -= 1
                    self.broken += 1
                    if let (_, _, waiting) = self.queue.popFirst() { waiting.fail(error) }
                }
            }
        }
        return promise.futureResult
    }

    private func run(_ head: HTTPRequestHead, _ body: ByteBuffer, on channel: Channel) -> EventLoopFuture<HTTPAnswer> {
        let promise = loop.makePromise(of: HTTPAnswer.self)
        channel.writeAndFlush(OutgoingRequest(head: head, body: body, answer: promise)).whenFailure { promise.fail($0) }
        promise.futureResult.whenComplete { _ in
            if channel.isActive {
                self.release(channel)
            } else {
                self.open -= 1
                self.broken += 1
            }
        }
        return promise.futureResult
    }

    private func release(_ channel: Channel) {
        if let (head, body, promise) = queue.popFirst() {
            run(head, body, on: channel).cascade(to: promise)
        } else {
            idle.append(channel)
        }
    }

    /// Requests waiting for a connection right now.
    var waiting: Int { queue.count }

    func resetLongestQueue() { longestQueue = queue.count }

    func close() {
        for channel in idle { channel.close(promise: nil) }
        idle = []
    }
}
