import Hummingbird
import HummingbirdWebSocket

/// The context of a WebSocket upgrade request (the upgrade router is separate from
/// the API router: it only decides whether `GET /v1/realtime` becomes a socket).
struct WebSocketUpgradeContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
    }
}
