import HTTPTypes
import HummingbirdWebSocket
import NIOConcurrencyHelpers
import NIOCore

/// Decides which upgrade requests become WebSockets: `GET /v1/realtime`, served by the
/// real-time controller that `buildRouter` registers here.
///
/// Not a Hummingbird WebSocket router on purpose. hummingbird-websocket 2.8.1's router
/// path stores each upgrade's request context in a box that the context itself holds:
/// a reference cycle that kept every upgraded connection (its context, channel and
/// buffers) alive for ever, about 4 KiB per WebSocket. ops/soak showed the growth and
/// heaptrack the cycle. The closure-based upgrade used here holds nothing afterwards.
final class WebSocketUpgrades: Sendable {
    typealias Handler = WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>
    static let realtimePath = "/v1/realtime"
    private let realtime = NIOLockedValueBox<RealtimeController?>(nil)

    func serveRealtime(with controller: RealtimeController) {
        realtime.withLockedValue { $0 = controller }
    }

    func shouldUpgrade(_ head: HTTPRequest, channel: any Channel) -> ShouldUpgradeResult<Handler> {
        let path = head.path.flatMap { $0.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first }
        guard head.method == .get, path == Self.realtimePath[...], let controller = realtime.withLockedValue({ $0 }) else {
            return .dontUpgrade
        }
        return controller.upgrade(head, channel: channel)
    }
}
