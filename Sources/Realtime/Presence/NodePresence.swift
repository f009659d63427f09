import Foundation
import Logging
import NIOConcurrencyHelpers
import Persistence
import PostgresNIO
import ServiceLifecycle

/// This node's row in `nodes`: registered at start, heartbeated every
/// `nodeTimeout / 4`, removed on graceful shutdown. Every node also sweeps nodes
/// whose heartbeat stopped, so a killed node's users become unreachable within
/// `nodeTimeout` plus one sweep interval, with a `presence.changed` for each.
public final class NodePresence: Service, Sendable {
    public let nodeID = UUID()
    let database: Database
    let store: PresenceStore
    let connections: LocalConnections
    let logger: Logger
    private let registered = NIOLockedValueBox<[CheckedContinuation<Void, Never>]?>([])

    public init(database: Database, store: PresenceStore, connections: LocalConnections, logger: Logger) {
        self.database = database
        self.store = store
        self.connections = connections
        self.logger = logger
    }

    var interval: Duration { store.nodeTimeout / 4 }

    /// Waits until the node row exists (connections reference it).
    public func ready() async {
        await withCheckedContinuation { continuation in
            let done = registered.withLockedValue { waiters -> Bool in
                guard waiters != nil else { return true }
                waiters!.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    public func run() async throws {
        var delay = Duration.milliseconds(100)
        while true {
            do {
                try await heartbeat()
                break
            } catch {
                logger.warning("cannot register this node yet", metadata: ["error": "\(String(reflecting: error))"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
        let waiters = registered.withLockedValue { waiters in
            defer { waiters = nil }
            return waiters ?? []
        }
        waiters.forEach { $0.resume() }
        logger.info("node registered", metadata: ["node_id": "\(nodeID)"])

        while !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            do {
                try await heartbeat()
                try await sweepDeadNodes()
            } catch {
                logger.warning("presence heartbeat failed", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
        // The server closed every connection before this service stops (it shuts
        // down first); remove the node so nothing waits for its heartbeat to lapse.
        do {
            try await database.withCrossTenantAccess(.presenceSweep, logger: logger) { connection in
                try await connection.query("DELETE FROM live_connections WHERE node_id = \(nodeID)", logger: logger)
                try await connection.query("DELETE FROM nodes WHERE id = \(nodeID)", logger: logger)
            }
        } catch {
            logger.warning("could not remove this node's presence", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// Refreshes the heartbeat. If another node already swept this one (a long pause,
    /// a partition), registers again and restores its connections.
    func heartbeat() async throws {
        let nodeID = self.nodeID
        let logger = self.logger
        let alive = try await database.withCrossTenantAccess(.presenceSweep, logger: logger) { connection in
            let rows = try await connection.query(
                "UPDATE nodes SET heartbeat_at = now() WHERE id = \(nodeID) RETURNING 1", logger: logger
            )
            for try await _ in rows { return true }
            try await connection.query("INSERT INTO nodes (id) VALUES (\(nodeID))", logger: logger)
            return false
        }
        guard !alive else { return }
        for (tenantID, userID, count) in connections.users() where connections.isStaff(tenantID: tenantID, userID: userID) {
            for _ in 0..<count {
                try await store.connected(tenantID: tenantID, userID: userID, nodeID: nodeID, logger: logger)
            }
        }
    }

    /// Deletes nodes whose heartbeat lapsed and announces users left unreachable.
    func sweepDeadNodes() async throws {
        let store = self.store
        let logger = self.logger
        try await database.withCrossTenantAccess(.presenceSweep, logger: logger) { connection in
            let rows = try await connection.query(
                """
                WITH dead AS (
                    DELETE FROM nodes WHERE heartbeat_at < now() - make_interval(secs => \(store.timeoutSeconds)) RETURNING id
                )
                DELETE FROM live_connections WHERE node_id IN (SELECT id FROM dead) RETURNING tenant_id, user_id
                """,
                logger: logger
            )
            var orphaned = Set<[UUID]>()
            for try await row in rows {
                var columns = row.makeIterator()
                let (tenantID, userID) = (try columns.column(UUID.self), try columns.column(UUID.self))
                orphaned.insert([tenantID, userID])
            }
            for pair in orphaned {
                let presence = try await store.lockedPresence(pair[0], pair[1], on: connection, logger: logger)
                if !presence.connected {
                    try await store.announce(pair[0], pair[1], status: presence.status, connected: false, on: connection, logger: logger)
                }
            }
        }
    }
}
