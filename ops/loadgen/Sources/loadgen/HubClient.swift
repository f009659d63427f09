#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

enum Transport: String, Sendable {
    case sse
    case websocket
}

struct AdmissionError: Error, CustomStringConvertible {
    let status: Int
    var description: String { status == 0 ? "connection closed before the response" : "HTTP \(status)" }
}

/// One real-time client over a raw TCP channel: writes the HTTP request itself and
/// parses the answer by hand (SSE over chunked transfer encoding, or WebSocket frames
/// after a 101), so a receipt costs a byte search and an integer parse.
///
/// Every event carrying `"seq":N` in its data is recorded with the time the read that
/// completed it arrived; `onMessage`, when set, sees every message with that time (the
/// call benchmark's agents look for `call.ringing` there).
final class HubClient: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case head
        case chunkSize
        case chunkData(Int)
        case chunkEnd
        case rawBody
        case webSocket
        case done
    }

    let transport: Transport
    let node: UInt8
    let request: String
    let recorder: LoopRecorder
    let admitted: EventLoopPromise<Void>
    /// Called on the channel's loop for every event message (WebSocket data frame or SSE
    /// message) with the wall time its read arrived.
    var onMessage: ((ByteBuffer, Int64) -> Void)?
    /// Called on the channel's loop when an admitted connection ends, with why: the close
    /// code the server sent (WebSocket close frame or SSE `close` event), "stream-ended",
    /// "error" or "eof" (the soak's clients tell their own hang-ups from the server's).
    var onClose: ((String) -> Void)?

    private var state = State.head
    private var inbound: ByteBuffer?
    /// SSE text decoded from chunks, not yet split into messages.
    private var sse: ByteBuffer?
    private var settled = false
    private var heardEvent = false
    private var closeReason: String?

    init(transport: Transport, node: UInt8, request: String, recorder: LoopRecorder, admitted: EventLoopPromise<Void>) {
        self.transport = transport
        self.node = node
        self.request = request
        self.recorder = recorder
        self.admitted = admitted
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !settled {
            settled = true
            admitted.fail(AdmissionError(status: 0))
        } else {
            recorder.closes["node\(node):\(closeReason ?? "eof")", default: 0] += 1
            onClose?(closeReason ?? "eof")
        }
        state = .done
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if closeReason == nil { closeReason = "error" }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = wallNanos()
        var incoming = unwrapInboundIn(data)
        recorder.bytes += incoming.readableBytes
        if inbound == nil {
            inbound = incoming
        } else {
            inbound!.writeBuffer(&incoming)
        }
        process(context: context, now: now)
        if let buffer = inbound {
            if buffer.readableBytes == 0 {
                inbound = nil  // idle clients hold no buffer
            } else if buffer.readerIndex > 4096 {
                inbound!.discardReadBytes()
            }
        }
    }

    private func process(context: ChannelHandlerContext, now: Int64) {
        while true {
            switch state {
            case .done:
                inbound = nil
                return
            case .head:
                guard let end = find(crlfcrlf, in: inbound!) else { return }
                let head = inbound!.readString(length: end + 4) ?? ""
                let status = head.count >= 12 ? Int(head.dropFirst(9).prefix(3)) ?? 0 : 0
                let expected = transport == .sse ? 200 : 101
                guard status == expected else {
                    settled = true
                    admitted.fail(AdmissionError(status: status))
                    state = .done
                    context.close(promise: nil)
                    return
                }
                settled = true
                admitted.succeed(())
                if transport == .websocket {
                    state = .webSocket
                } else if head.lowercased().contains("transfer-encoding: chunked") {
                    state = .chunkSize
                } else {
                    state = .rawBody
                }
            case .chunkSize:
                guard let end = find(crlf, in: inbound!) else { return }
                let line = inbound!.readString(length: end) ?? ""
                inbound!.moveReaderIndex(forwardBy: 2)
                let size = Int(line.split(separator: ";").first.map(String.init) ?? "", radix: 16) ?? 0
                if size == 0 {
                    closeReason = closeReason ?? "stream-ended"
                    state = .done
                    context.close(promise: nil)
                    return
                }
                state = .chunkData(size)
            case .chunkData(let remaining):
                let available = inbound!.readableBytes
                guard available > 0 else { return }
                let take = min(remaining, available)
                var slice = inbound!.readSlice(length: take)!
                appendSSE(&slice)
                state = take == remaining ? .chunkEnd : .chunkData(remaining - take)
                if take == remaining { processSSE(context: context, now: now) }
            case .chunkEnd:
                guard inbound!.readableBytes >= 2 else { return }
                inbound!.moveReaderIndex(forwardBy: 2)
                state = .chunkSize
            case .rawBody:
                guard inbound!.readableBytes > 0 else { return }
                var slice = inbound!.readSlice(length: inbound!.readableBytes)!
                appendSSE(&slice)
                processSSE(context: context, now: now)
            case .webSocket:
                guard processFrame(context: context, now: now) else { return }
            }
        }
    }

    private func appendSSE(_ slice: inout ByteBuffer) {
        if sse == nil {
            sse = slice
        } else {
            sse!.writeBuffer(&slice)
        }
    }

    /// Splits complete SSE messages ("...\n\n") off the decoded text.
    private func processSSE(context: ChannelHandlerContext, now: Int64) {
        guard var text = sse else { return }
        while let end = find(lflf, in: text) {
            let message = text.readSlice(length: end + 2)!
            handleEvent(message, now: now, context: context, sseClose: true)
        }
        sse = text.readableBytes == 0 ? nil : text
    }

    /// Parses one WebSocket frame off `inbound`; false when it is not complete yet.
    private func processFrame(context: ChannelHandlerContext, now: Int64) -> Bool {
        guard var buffer = inbound, buffer.readableBytes >= 2 else { return false }
        let start = buffer.readerIndex
        let b0 = buffer.getInteger(at: start, as: UInt8.self)!
        let b1 = buffer.getInteger(at: start + 1, as: UInt8.self)!
        var headerLength = 2
        var length = Int(b1 & 0x7f)
        if length == 126 {
            guard buffer.readableBytes >= 4 else { return false }
            length = Int(buffer.getInteger(at: start + 2, as: UInt16.self)!)
            headerLength = 4
        } else if length == 127 {
            guard buffer.readableBytes >= 10 else { return false }
            length = Int(buffer.getInteger(at: start + 2, as: UInt64.self)!)
            headerLength = 10
        }
        let masked = b1 & 0x80 != 0
        if masked { headerLength += 4 }
        guard buffer.readableBytes >= headerLength + length else { return false }
        buffer.moveReaderIndex(forwardBy: headerLength)
        let payload = buffer.readSlice(length: length)!
        inbound = buffer
        switch b0 & 0x0f {
        case 0x0, 0x1, 0x2:
            handleEvent(payload, now: now, context: context, sseClose: false)
        case 0x8:
            let code = payload.getInteger(at: payload.readerIndex, as: UInt16.self).map(String.init) ?? "1005"
            closeReason = code
            state = .done
            // Answer the close handshake, then hang up.
            var frame = context.channel.allocator.buffer(capacity: 8)
            frame.writeBytes([0x88, 0x82, 0, 0, 0, 0])
            frame.writeInteger(UInt16(1000))
            context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in context.close(promise: nil) }
            return false
        case 0x9:
            // Pong with the same payload; a zero mask key leaves the payload as it is.
            var frame = context.channel.allocator.buffer(capacity: 6 + length)
            frame.writeInteger(UInt8(0x8A))
            frame.writeInteger(UInt8(0x80 | UInt8(min(length, 125))))
            frame.writeInteger(UInt32(0))
            var body = payload
            frame.writeBuffer(&body)
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        default:
            break
        }
        return true
    }

    private func handleEvent(_ message: ByteBuffer, now: Int64, context: ChannelHandlerContext, sseClose: Bool) {
        onMessage?(message, now)
        if let seq = integer(after: seqKey, in: message) {
            if !heardEvent {
                heardEvent = true
                recorder.alive[Int(node)] += 1
            }
            recorder.record(seq: Int32(truncatingIfNeeded: seq), at: now, node: node)
        } else if sseClose, find(closeEvent, in: message) != nil {
            closeReason = integer(after: codeKey, in: message).map(String.init) ?? "close"
        }
    }
}

private let crlf: [UInt8] = Array("\r\n".utf8)
private let crlfcrlf: [UInt8] = Array("\r\n\r\n".utf8)
private let lflf: [UInt8] = Array("\n\n".utf8)
private let seqKey: [UInt8] = Array("\"seq\":".utf8)
private let codeKey: [UInt8] = Array("\"code\":".utf8)
private let closeEvent: [UInt8] = Array("event: close".utf8)

/// Offset of `needle` in `buffer`'s readable bytes.
@inline(__always)
private func find(_ needle: [UInt8], in buffer: ByteBuffer) -> Int? {
    buffer.withUnsafeReadableBytes { haystack -> Int? in
        guard haystack.count >= needle.count, let base = haystack.baseAddress else { return nil }
        return needle.withUnsafeBytes { n -> Int? in
            // memchr for the first byte, memcmp for the rest (Glibc does not export memmem).
            let first = Int32(n[0])
            let last = haystack.count - n.count
            var i = 0
            while i <= last {
                guard let hit = memchr(base + i, first, last - i + 1) else { return nil }
                let offset = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(hit, n.baseAddress!, n.count) == 0 { return offset }
                i = offset + 1
            }
            return nil
        }
    }
}

/// The non-negative integer after `key` (spaces allowed between), if any.
@inline(__always)
private func integer(after key: [UInt8], in buffer: ByteBuffer) -> Int? {
    guard let at = find(key, in: buffer) else { return nil }
    return buffer.withUnsafeReadableBytes { bytes -> Int? in
        var i = at + key.count
        while i < bytes.count, bytes[i] == UInt8(ascii: " ") { i += 1 }
        var value = 0
        var digits = 0
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
            value = value &* 10 &+ Int(bytes[i] &- UInt8(ascii: "0"))
            i += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }
}
