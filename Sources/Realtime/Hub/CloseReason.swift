/// Why the server ends a real-time connection. WebSocket clients see `code` as the
/// close code; SSE clients get a final `close` event with the same code and reason.
///
/// The codes are part of the API (README, "Real-time"): clients reconnect and resume
/// after the ones where `clientShouldReconnect` holds, and must not otherwise.
public enum CloseReason: Sendable, Equatable {
    /// The node is shutting down: reconnect (to any node) with the last event id.
    case serverRestarting
    /// The client fell too far behind; reconnect with the last event id.
    case slowConsumer
    /// The access token expired: refresh it, then reconnect with the last event id.
    case tokenExpired
    /// Refused at connect: the access token is missing, malformed, forged, expired or
    /// of an ended session. Refresh it (or sign in again), then reconnect.
    case notAuthenticated
    /// Refused at connect: `lastEventId` is not an event id this server issues.
    /// Reconnect without it (and reload state over REST).
    case invalidLastEventID
    /// Refused at connect by an unexpected server error; reconnect later.
    case serverError
    /// The session was revoked, the user disabled, the tenant suspended or the role
    /// changed: do not reconnect with this session.
    case sessionEnded
    /// The user already has the maximum number of connections on this node.
    case tooManyConnections
    /// The client sent a message over 64 KiB.
    case messageTooBig
    /// The client closed the connection (nothing is sent back).
    case clientLeft

    public var code: UInt16 {
        switch self {
        case .clientLeft: 1000
        case .serverRestarting: 1001
        case .messageTooBig: 1009
        case .serverError: 1011
        case .slowConsumer: 4000
        case .tokenExpired, .notAuthenticated: 4001
        case .sessionEnded: 4003
        case .tooManyConnections: 4029
        case .invalidLastEventID: 4422
        }
    }

    public var reason: String {
        switch self {
        case .clientLeft: "client closed"
        case .serverRestarting: "server restarting, reconnect elsewhere"
        case .messageTooBig: "message over 64 KiB"
        case .slowConsumer: "too far behind, reconnect and resume"
        case .tokenExpired: "access token expired, refresh and reconnect"
        case .sessionEnded: "session ended, do not reconnect"
        case .tooManyConnections: "too many connections for this user"
        case .notAuthenticated: "no valid access token, refresh and reconnect"
        case .invalidLastEventID: "lastEventId is not an event id, reconnect without it"
        case .serverError: "server error, reconnect later"
        }
    }

    public var clientShouldReconnect: Bool {
        switch self {
        case .serverRestarting, .slowConsumer, .tokenExpired, .notAuthenticated, .serverError: true
        case .sessionEnded, .tooManyConnections, .messageTooBig, .clientLeft, .invalidLastEventID: false
        }
    }
}
