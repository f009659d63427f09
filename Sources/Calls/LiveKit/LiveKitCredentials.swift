import Foundation

/// Where a LiveKit server is and the API key pair that signs its tokens: the global
/// `LIVEKIT_URL`, `LIVEKIT_API_KEY`, `LIVEKIT_API_SECRET`, or a tenant's override.
public struct LiveKitCredentials: Sendable, Equatable {
    /// The URL clients connect to (`wss://…`).
    public let url: String
    public let apiKey: String
    public let apiSecret: String

    public init(url: String, apiKey: String, apiSecret: String) {
        self.url = url
        self.apiKey = apiKey
        self.apiSecret = apiSecret
    }

    /// The RoomService base URL: the server URL with `ws(s)://` rewritten to `http(s)://`.
    public var apiBaseURL: String {
        var base = url
        if base.hasPrefix("wss://") {
            base = "https://" + base.dropFirst(6)
        } else if base.hasPrefix("ws://") {
            base = "http://" + base.dropFirst(5)
        }
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}
