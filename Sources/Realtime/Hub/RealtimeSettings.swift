/// Tunables of the real-time hub (from the server's configuration).
public struct RealtimeSettings: Sendable {
    /// Connections one user may hold on one node.
    public var maximumConnectionsPerUser: Int
    /// A node silent this long is dead; its users become unreachable.
    public var nodeTimeout: Duration

    public init(maximumConnectionsPerUser: Int = 10, nodeTimeout: Duration = .seconds(20)) {
        self.maximumConnectionsPerUser = maximumConnectionsPerUser
        self.nodeTimeout = nodeTimeout
    }
}
