import ArgumentParser
import NIOCore
import NIOHTTP1
import NIOPosix

/// `loadgen livekit`: a stand-in for LiveKit's RoomService, so the call benchmark's nodes
/// have an SFU to create and delete rooms on (every `POST /v1/calls` creates one, every
/// decline deletes it). It answers Twirp `CreateRoom` and `DeleteRoom` at once, on one
/// event loop, over HTTP/1.1 keep-alive, and checks only that a Bearer token is present
/// (the tests' stand-in verifies signatures; here it would only add CPU to the machine
/// under test). A real SFU's round trip is therefore not part of the figures.
/// `GET /stats` answers how many requests of each kind it served.
struct LiveKitStandIn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "livekit", abstract: "LiveKit RoomService stand-in for ops/bench calls (runs until killed).")

    @Option var host = "127.0.0.1"
    @Option var port: Int

    func run() async throws {
        let counts = RoomServiceCounts()
        try await StandInServer.run(name: "livekit", host: host, port: port) { RoomServiceHandler(counts: counts) }
    }
}

/// Requests served, by method. Touched only on the stand-in's single event loop.
final class RoomServiceCounts: @unchecked Sendable {
    var byMethod: [String: Int] = [:]
}

final class RoomServiceHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let counts: RoomServiceCounts
    private var head: HTTPRequestHead?

    init(counts: RoomServiceCounts) { self.counts = counts }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break  // the answer does not depend on the body
        case .end:
            guard let head else { return }
            self.head = nil
            let (status, body) = answer(head)
            StandInServer.answer(status, body, to: head, on: context)
        }
    }

    private func answer(_ head: HTTPRequestHead) -> (HTTPResponseStatus, String) {
        let prefix = "/twirp/livekit.RoomService/"
        if head.method == .GET, head.uri == "/stats" {
            let fields = counts.byMethod.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }
            return (.ok, "{" + fields.joined(separator: ",") + "}")
        }
        guard head.method == .POST, head.uri.hasPrefix(prefix) else { return (.notFound, #"{"code":"bad_route","msg":"no such route"}"#) }
        guard head.headers.first(name: "authorization")?.hasPrefix("Bearer ") == true else {
            counts.byMethod["unauthenticated", default: 0] += 1
            return (.unauthorized, #"{"code":"unauthenticated","msg":"no token"}"#)
        }
        let method = String(head.uri.dropFirst(prefix.count))
        counts.byMethod[method, default: 0] += 1
        switch method {
        case "CreateRoom": return (.ok, #"{"sid":"RM_standin","empty_timeout":90,"max_participants":2}"#)
        case "DeleteRoom": return (.ok, "{}")
        default: return (.notFound, #"{"code":"bad_route","msg":"no such method"}"#)
        }
    }
}
