import NIOCore
import NIOHTTP1
import NIOPosix

/// A request for `HTTPConnection`: the body, if any, is JSON.
struct HTTPRequest {
    var method: HTTPMethod
    var path: String
    var headers: [(String, String)]
    var body: String?
}

/// What came back, with when the request went out and when its answer was complete
/// (wall ns, `wallNanos()`).
struct HTTPAnswer {
    var status: Int
    var body: ByteBuffer
    var sentNs: Int64
    var receivedNs: Int64
}

struct HTTPConnectionClosed: Error {}

/// One HTTP/1.1 keep-alive connection (NIOHTTP1's encoder and decoder) that carries
/// one request at a time; `HTTPPool` never gives it a second before the first is
/// answered. Touched only on its channel's event loop.
final class HTTPConnection {
    let channel: Channel
    let host: String

    private init(channel: Channel, host: String) {
        self.channel = channel
        self.host = host
    }

    static func connect(on loop: EventLoop, host: String, port: Int) -> EventLoopFuture<HTTPConnection> {
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(HTTPAnswerHandler())
                }
            }
            .connect(host: host, port: port)
            .map { HTTPConnection(channel: $0, host: "\(host):\(port)") }
    }

    func send(_ request: HTTPRequest) -> EventLoopFuture<HTTPAnswer> {
        var headers = HTTPHeaders([("Host", host)])
        for (name, value) in request.headers { headers.add(name: name, value: value) }
        var body: ByteBuffer?
        if let text = request.body {
            body = channel.allocator.buffer(string: text)
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: "\(text.utf8.count)")
        } else if request.method == .POST {
            headers.add(name: "Content-Length", value: "0")
        }
        let promise = channel.eventLoop.makePromise(of: HTTPAnswer.self)
        let outgoing = OutgoingRequest(
            head: HTTPRequestHead(version: .http1_1, method: request.method, uri: request.path, headers: headers),
            body: body, answer: promise)
        channel.writeAndFlush(outgoing).whenFailure { promise.fail($0) }
        return promise.futureResult
    }

    var isActive: Bool { channel.isActive }
}

struct OutgoingRequest {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    var answer: EventLoopPromise<HTTPAnswer>
}

/// Turns an `OutgoingRequest` into request parts and the response parts back into an
/// `HTTPAnswer`. The send time is read here, just before the head enters the encoder,
/// so time spent waiting for a connection in `HTTPPool` is not in it (that wait is
/// reported separately as lateness).
final class HTTPAnswerHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = OutgoingRequest
    typealias OutboundOut = HTTPClientRequestPart

    private var waiting = CircularBuffer<(EventLoopPromise<HTTPAnswer>, Int64)>()
    private var status = 0
    private var body: ByteBuffer?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        waiting.append((request.answer, wallNanos()))
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        if let body = request.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            body = nil
        case .body(var part):
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            let now = wallNanos()
            guard let (promise, sent) = waiting.popFirst() else { return }
            promise.succeed(HTTPAnswer(status: status, body: body ?? ByteBuffer(), sentNs: sent, receivedNs: now))
            body = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        while let (promise, _) = waiting.popFirst() { promise.fail(HTTPConnectionClosed()) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        while let (promise, _) = waiting.popFirst() { promise.fail(error) }
        context.close(promise: nil)
    }
}

/// Keep-alive connections to one node, all on one event loop: a request takes an idle
/// connection, or opens one while there are fewer than `limit`, or waits in line for the
/// next to come free. Touched only on `loop` (hence `@unchecked Sendable`).
final class HTTPPool: @unchecked Sendable {
    let loop: EventLoop
    let host: String
    let port: Int
    let limit: Int
    private var idle: [HTTPConnection] = []
    private var open = 0
    private var queue = CircularBuffer<(HTTPRequest, EventLoopPromise<HTTPAnswer>)>()
    /// The longest the line of waiting requests got, and how many connections broke.
    private(set) var longestQueue = 0
    private(set) var broken = 0

    init(loop: EventLoop, host: String, port: Int, limit: Int) {
        self.loop = loop
        self.host = host
        self.port = port
        self.limit = limit
    }

    /// Opens `count` connections up front, so the first requests of a run do not pay for them.
    func warm(_ count: Int) -> EventLoopFuture<Void> {
        let opening = (0..<min(count, limit)).map { _ in HTTPConnection.connect(on: loop, host: host, port: port) }
        open += opening.count
        return EventLoopFuture.whenAllSucceed(opening, on: loop).map { self.idle += $0 }
    }

    func send(_ request: HTTPRequest) -> EventLoopFuture<HTTPAnswer> {
        loop.preconditionInEventLoop()
        while let connection = idle.popLast() {
            if connection.isActive { return run(request, on: connection) }
            // Closed by the server while idle.
            open -= 1
            broken += 1
        }
        let promise = loop.makePromise(of: HTTPAnswer.self)
        queue.append((request, promise))
        longestQueue = max(longestQueue, queue.count)
        if open < limit {
            open += 1
            HTTPConnection.connect(on: loop, host: host, port: port).whenComplete { result in
                switch result {
                case .success(let connection): self.release(connection)
                case .failure(let error):
                    self.open -= 1
                    self.broken += 1
                    if let (_, waiting) = self.queue.popFirst() { waiting.fail(error) }
                }
            }
        }
        return promise.futureResult
    }

    private func run(_ request: HTTPRequest, on connection: HTTPConnection) -> EventLoopFuture<HTTPAnswer> {
        let answer = connection.send(request)
        answer.whenComplete { _ in
            if connection.isActive {
                self.release(connection)
            } else {
                self.open -= 1
                self.broken += 1
            }
        }
        return answer
    }

    /// A connection came free: the next waiting request takes it, or it goes idle.
    private func release(_ connection: HTTPConnection) {
        if let (request, promise) = queue.popFirst() {
            run(request, on: connection).cascade(to: promise)
        } else {
            idle.append(connection)
        }
    }

    /// Starts counting `longestQueue` afresh (each step reports its own).
    func resetLongestQueue() { longestQueue = queue.count }

    func close() {
        for connection in idle { connection.channel.close(promise: nil) }
        idle = []
    }
}
