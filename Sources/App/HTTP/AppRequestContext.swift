import Hummingbird
import HummingbirdAuth
import NIOCore

/// The context of every request: who sent it and, once authenticated, as whom.
public struct AppRequestContext: AuthRequestContext, RemoteAddressRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Principal?
    public let remoteAddress: SocketAddress?
    /// The client's connection: a streaming response (SSE) watches it to notice a
    /// client that went away without waiting for its next write to fail.
    let channel: any Channel
    let facts = RequestFacts()

    /// Bodies past this size are refused with 413 (1 MiB).
    public static let bodyLimit = 1 << 20
    public var maxUploadSize: Int { Self.bodyLimit }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.identity = nil
        self.remoteAddress = source.channel.remoteAddress
        self.channel = source.channel
    }

    /// The client's IP address, for rate limiting.
    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}
