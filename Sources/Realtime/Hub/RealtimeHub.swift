import Foundation
import Logging
import Persistence
import ServiceLifecycle

/// The node's real-time hub: its connections, the fan-out that feeds them, the
/// LISTEN connection that wakes it, presence and the connection guard. Transports
/// (WebSocket, SSE) hand each accepted client to `serve`.
public final class RealtimeHub: Sendable {
    public let connections: LocalConnections
    public let fanOut: EventFanOut
    public let presence: PresenceStore
    public let node: NodePresence
    let reader: OutboxReader
    let listener: EventListener
    let guardian: ConnectionGuard
    let logger: Logger
    let replayPageSize = 500
    /// How long a closed connection's stuck write may wait for its client to read
    /// again (and so get its close frame or event) before the socket is dropped.
    let stuckWriteGrace: Duration = .seconds(10)

    public init(database: Database, url: DatabaseURL, settings: RealtimeSettings, logger: Logger) {
        let connections = LocalConnections(maximumPerUser: settings.maximumConnectionsPerUser)
        let fanOut = EventFanOut(database: database, connections: connections, logger: logger)
        let presence = PresenceStore(database: database, nodeTimeout: settings.nodeTimeout)
        self.connections = connections
        self.fanOut = fanOut
        self.presence = presence
        self.node = NodePresence(database: database, store: presence, connections: connections, logger: logger)
        self.reader = OutboxReader(database: database)
        self.listener = EventListener(url: url, database: database, fanOut: fanOut, logger: logger)
        self.guardian = ConnectionGuard(database: database, connections: connections, logger: logger)
        self.logger = logger
    }

    /// The services to run alongside the server (before it in the group, so they
    /// stop after it: connections close while the database is still there).
    public var services: [any Service] { [node, fanOut, listener, guardian] }

    /// Serves one accepted client until it goes away or the server closes it: registers
    /// it (so live events queue up), replays what it missed after `resumeAfter`, then
    /// sends live events, skipping any the replay already sent. `send` writes to the
    /// socket. Returns why the server closed it (nil when the client left).
    public func serve(
        _ connection: RealtimeConnection, resumeAfter: EventPosition?, logger: Logger,
        send: (OutboundItem) async throws -> Void
    ) async throws -> CloseReason? {
        await fanOut.ready()
        await node.ready()
        guard !connections.isDraining else { return .serverRestarting }
        guard connections.add(connection) != nil else { return .tooManyConnections }
        let staff = connection.role != .customer
        if staff {
            try? await presence.connected(tenantID: connection.tenantID, userID: connection.userID, nodeID: node.nodeID, logger: logger)
        }
        defer {
            connections.remove(connection)
            if staff {
                let (presence, node) = (self.presence, self.node)
                Task {
                    try? await presence.disconnected(
                        tenantID: connection.tenantID, userID: connection.userID, nodeID: node.nodeID, logger: logger)
                }
            }
        }

        // Once the connection is closed (for whatever reason), its slot is freed at
        // once, even while a write to a client that stopped reading is stuck; a write
        // still stuck `stuckWriteGrace` later has its socket dropped.
        let abortTimer = StuckWriteTimer()
        let (connections, grace) = (self.connections, stuckWriteGrace)
        connection.queue.onClose { _ in
            connections.remove(connection)
            abortTimer.start(after: grace) { connection.abort() }
        }
        defer {
            abortTimer.finish()
            connection.queue.close(.clientLeft)
        }
        return try await deliver(to: connection, resumeAfter: resumeAfter, logger: logger, send: send)
    }

    /// Replays, then sends live events until the queue closes; returns why it closed.
    private func deliver(
        to connection: RealtimeConnection, resumeAfter: EventPosition?, logger: Logger,
        send: (OutboundItem) async throws -> Void
    ) async throws -> CloseReason {
        var sent = EventPosition.start
        if let resumeAfter {
            sent = try await replay(connection, after: resumeAfter, logger: logger, send: send)
        }
        while true {
            switch await connection.queue.next() {
            case .events(let events):
                let fresh = events.filter { $0.position > sent }
                guard let last = fresh.last else { continue }
                try await send(.events(fresh))
                sent = last.position
            case .heartbeat:
                try await send(.heartbeat)
            case .close(let reason):
                return reason
            }
        }
    }

    /// Sends everything after `position` that the client's user may see; returns the
    /// last position sent. An unknown or pruned position gets one `resync` instead:
    /// the client reloads its state over REST and continues live.
    private func replay(
        _ connection: RealtimeConnection, after position: EventPosition, logger: Logger,
        send: (OutboundItem) async throws -> Void
    ) async throws -> EventPosition {
        var cursor = position
        while true {
            let (events, retained) = try await reader.replay(
                connection.tenantID, userID: connection.userID, role: connection.role,
                after: cursor, limit: replayPageSize, logger: logger
            )
            guard retained || cursor != position else {
                // Nothing was replayed, so every queued live event goes out after it. Its id
                // is this tenant's newest event the fan-out has passed (not the fan-out's
                // own position, which may be another tenant's): resuming from it works.
                let horizon = try await reader.newestPosition(
                    connection.tenantID, atOrBefore: fanOut.position ?? .start, logger: logger)
                try await send(.events([EncodedEvent.resync(after: position.description, horizon: horizon)]))
                return .start
            }
            if let last = events.last {
                try await send(.events(events.map(EncodedEvent.init)))
                cursor = last.position
            }
            if events.count < replayPageSize { return cursor }
        }
    }
}
