import Foundation
import NIOCore
import NIOPosix

/// One user's real-time client for the whole soak (`loadgen soak`), like a browser tab on
/// a flaky network: it connects (WebSocket or SSE), stays a random few seconds, leaves
/// (a WebSocket close frame, or the socket simply dropped) and at once reconnects to the
/// other node with the id of the last event it saw (`lastEventId` for a WebSocket,
/// `Last-Event-ID` for SSE, as browsers send it). The server promises no gap and no
/// duplicate across that, so every publisher tick (`soak.tick`, by sequence number) and
/// every webhook's `chat.message` (staff only) is counted per client over all its
/// connections; `SoakCheck` compares the counts with what was sent.
///
/// A connection the server ends, or one it refuses, is an error in the tally; the client
/// then tries again a second later. Touched only on `loop`.
final class ChurningClient: @unchecked Sendable {
    let transport: Transport
    let account: SoakAccount
    let staff: Bool
    let targets: [(host: String, port: Int)]
    let source: String
    let loop: EventLoop
    let tally: SoakTally
    let recorder: LoopRecorder
    /// How long a connection lasts before the client leaves, in seconds.
    let stay: ClosedRange<Double>
    /// Recognises our webhooks' chat.message events.
    let webhooks: WhatsAppWebhooks

    private(set) var node: Int
    private(set) var lastEventID: String?
    private(set) var connected = false
    /// Admitted connections so far.
    private(set) var connections = 0
    /// Per tick sequence number / per webhook: how many times it arrived.
    private(set) var ticks: [UInt8] = []
    private(set) var chats: [UInt8] = []
    /// Whether the client leaves and comes back (off while warming up and settling).
    var churning = false

    private var channel: Channel?
    /// Which connection attempt is current: callbacks of older ones are ignored.
    private var attempt = 0
    private var leaving = false
    private var stopped = false
    private var lastTick = -1

    init(
        transport: Transport, account: SoakAccount, staff: Bool, targets: [(host: String, port: Int)], firstNode: Int,
        source: String, loop: EventLoop, tally: SoakTally, recorder: LoopRecorder, stay: ClosedRange<Double>,
        webhooks: WhatsAppWebhooks
    ) {
        self.transport = transport
        self.account = account
        self.staff = staff
        self.targets = targets
        self.node = firstNode
        self.source = source
        self.loop = loop
        self.tally = tally
        self.recorder = recorder
        self.stay = stay
        self.webhooks = webhooks
    }

    // MARK: Connecting and leaving

    func connect() {
        guard !stopped else { return }
        attempt += 1
        let attempt = self.attempt
        let node = self.node
        let target = targets[node]
        let admitted = loop.makePromise(of: Void.self)
        let request = self.request(host: "\(target.host):\(target.port)")
        let (transport, recorder) = (self.transport, self.recorder)
        do {
            let bootstrap = ClientBootstrap(group: loop)
                .bind(to: try SocketAddress(ipAddress: source, port: 0))
                .connectTimeout(.seconds(10))
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let client = HubClient(
                            transport: transport, node: UInt8(node), request: request, recorder: recorder, admitted: admitted)
                        client.onMessage = { [unowned self] message, _ in self.message(message, node: node, attempt: attempt) }
                        client.onClose = { [unowned self] reason in self.closed(reason, node: node, attempt: attempt) }
                        try channel.pipeline.syncOperations.addHandler(client)
                    }
                }
            bootstrap.connect(host: target.host, port: target.port).whenComplete { result in
                switch result {
                case .success(let channel):
                    if attempt == self.attempt { self.channel = channel } else { channel.close(promise: nil) }
                case .failure(let error):
                    admitted.fail(error)
                }
            }
        } catch {
            admitted.fail(error)
        }
        let timeout = loop.scheduleTask(in: .seconds(15)) { admitted.fail(AdmissionError(status: -1)) }
        admitted.futureResult.whenComplete { result in
            timeout.cancel()
            guard attempt == self.attempt else { return }
            switch result {
            case .success:
                self.connected = true
                self.connections += 1
                self.tally.connected(node, transport: transport, first: self.connections == 1)
                if self.churning { self.scheduleLeave(attempt) }
            case .failure(let error):
                self.tally.error(node, "\(transport.rawValue) refused or failed at connect: \(error)")
                self.channel?.close(promise: nil)
                self.channel = nil
                self.retryLater()
            }
        }
    }

    private func request(host: String) -> String {
        switch transport {
        case .websocket:
            let resume = lastEventID.map { "?lastEventId=\($0)" } ?? ""
            return "GET /v1/realtime\(resume) HTTP/1.1\r\nHost: \(host)\r\nAuthorization: Bearer \(account.accessToken)\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n"
        case .sse:
            let resume = lastEventID.map { "Last-Event-ID: \($0)\r\n" } ?? ""
            return "GET /v1/realtime/sse HTTP/1.1\r\nHost: \(host)\r\nAuthorization: Bearer \(account.accessToken)\r\n"
                + "Accept: text/event-stream\r\n\(resume)\r\n"
        }
    }

    /// Starts leaving and coming back; the first stay is random, so clients do not move in step.
    func startChurning() {
        churning = true
        if connected { scheduleLeave(attempt) }
    }

    private func scheduleLeave(_ attempt: Int) {
        let seconds = Double.random(in: stay)
        loop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
            guard attempt == self.attempt, self.connected, self.churning, !self.stopped else { return }
            self.leave()
        }
    }

    /// Hangs up: half the WebSockets say goodbye with a close frame (1000), the other
    /// half and every SSE stream just drop the socket. Both are what clients do, and
    /// the server frees a connection by different paths for each.
    private func leave() {
        guard let channel else { return }
        leaving = true
        if transport == .websocket, Bool.random() {
            var frame = channel.allocator.buffer(capacity: 8)
            frame.writeBytes([0x88, 0x82, 0, 0, 0, 0])  // FIN + close, masked (zero key), 2 bytes
            frame.writeInteger(UInt16(1000))
            channel.writeAndFlush(frame, promise: nil)
            // The server answers with its close frame and hangs up; if it does not, we do.
            loop.scheduleTask(in: .seconds(5)) { channel.close(promise: nil) }
        } else {
            channel.close(promise: nil)
        }
    }

    private func closed(_ reason: String, node: Int, attempt: Int) {
        guard attempt == self.attempt else { return }
        connected = false
        channel = nil
        if stopped { return }
        if leaving {
            leaving = false
            switchNode()
            connect()
        } else {
            tally.error(node, "\(transport.rawValue) closed by the server: \(reason)")
            retryLater()
        }
    }

    private func retryLater() {
        switchNode()
        loop.scheduleTask(in: .seconds(1)) { self.connect() }
    }

    private func switchNode() { node = (node + 1) % targets.count }

    func stop() {
        stopped = true
        churning = false
        channel?.close(promise: nil)
    }

    // MARK: Events

    private func message(_ message: ByteBuffer, node: Int, attempt: Int) {
        guard attempt == self.attempt else { return }
        message.withUnsafeReadableBytes { bytes in
            // The preamble and heartbeats of SSE, and its final `close` event, carry no id.
            guard let id = Self.eventID(in: bytes) else { return }
            lastEventID = id
            if byteSearch(tickType, in: bytes) != nil, let seq = Self.integer(after: seqKey, in: bytes) {
                tick(seq, node: node)
            } else if let (_, index) = webhooks.receipt(in: bytes) {
                tally.event(node, "chat")
                count(index, in: &chats)
            } else if byteSearch(resyncType, in: bytes) != nil {
                // Never expected here: the ids resumed from are seconds old.
                tally.error(node, "\(transport.rawValue) got resync")
                tally.event(node, "other")
            } else {
                tally.event(node, "other")
            }
        }
    }

    private func tick(_ seq: Int, node: Int) {
        tally.event(node, "tick")
        if seq > lastTick + 1, lastTick >= 0 { tally.tickGap(node, seq - lastTick - 1) }
        if seq <= lastTick || (seq < ticks.count && ticks[seq] > 0) { tally.tickRepeat(node) }
        lastTick = max(lastTick, seq)
        count(seq, in: &ticks)
    }

    private func count(_ index: Int, in counts: inout [UInt8]) {
        if index >= counts.count { counts.append(contentsOf: repeatElement(0, count: index + 1 - counts.count)) }
        counts[index] = counts[index] &+ (counts[index] == .max ? 0 : 1)
    }

    /// The event id: a WebSocket envelope starts `{"id":"<id>"`, an SSE message `id: <id>\n`.
    static func eventID(in bytes: UnsafeRawBufferPointer) -> String? {
        let prefix: [UInt8]
        let end: UInt8
        if bytes.starts(with: wsIDPrefix) {
            (prefix, end) = (wsIDPrefix, UInt8(ascii: "\""))
        } else if bytes.starts(with: sseIDPrefix) {
            (prefix, end) = (sseIDPrefix, UInt8(ascii: "\n"))
        } else {
            return nil
        }
        guard let stop = bytes[prefix.count...].firstIndex(of: end) else { return nil }
        return String(decoding: bytes[prefix.count..<stop], as: UTF8.self)
    }

    /// The non-negative integer after `key`, if any.
    static func integer(after key: [UInt8], in bytes: UnsafeRawBufferPointer) -> Int? {
        guard let at = byteSearch(key, in: bytes) else { return nil }
        var i = at + key.count
        while i < bytes.count, bytes[i] == UInt8(ascii: " ") { i += 1 }
        var value = 0
        let start = i
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
            value = value * 10 + Int(bytes[i] - UInt8(ascii: "0"))
            i += 1
        }
        return i > start ? value : nil
    }
}

private let wsIDPrefix: [UInt8] = Array("{\"id\":\"".utf8)
private let sseIDPrefix: [UInt8] = Array("id: ".utf8)
private let tickType: [UInt8] = Array("\"type\":\"soak.tick\"".utf8)
private let resyncType: [UInt8] = Array("\"type\":\"resync\"".utf8)
private let seqKey: [UInt8] = Array("\"seq\":".utf8)
