import Accounts
import Foundation
import NIOConcurrencyHelpers

/// One live WebSocket or SSE client on this node: who it is, and its queue.
public final class RealtimeConnection: Sendable, Hashable {
    public enum Transport: String, Sendable { case webSocket = "websocket", serverSentEvents = "sse" }

    public let id = UUID()
    public let tenantID: UUID
    public let userID: UUID
    public let role: Role
    public let sessionID: UUID
    /// When the access token it connected with expires.
    public let expiresAt: Date
    public let transport: Transport
    public let queue: OutboundQueue
    /// Drops the client's socket outright: for a writer stuck on a client that
    /// stopped reading, which no close frame or event can reach any more.
    public let abort: @Sendable () -> Void
    private let transportFinished = NIOLockedValueBox(false)

    public init(
        tenantID: UUID, userID: UUID, role: Role, sessionID: UUID, expiresAt: Date, transport: Transport,
        queue: OutboundQueue = OutboundQueue(), abort: @escaping @Sendable () -> Void = {}
    ) {
        self.tenantID = tenantID
        self.userID = userID
        self.role = role
        self.sessionID = sessionID
        self.expiresAt = expiresAt
        self.transport = transport
        self.queue = queue
        self.abort = abort
    }

    /// The transport is done with the client: its close frame or event is written
    /// (or the client is gone). A draining node waits for this, not just for the
    /// slot to be freed, so its 1001 goes out before the server stops.
    public func markTransportFinished() { transportFinished.withLockedValue { $0 = true } }
    public var isTransportFinished: Bool { transportFinished.withLockedValue { $0 } }

    /// Whether this connection's user hears events for `audience`.
    public func hears(_ audience: EventAudience) -> Bool {
        audience.includes(userID: userID, role: role)
    }

    public static func == (lhs: RealtimeConnection, rhs: RealtimeConnection) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
