import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle

/// Keeps live connections honest: every `interval` it closes connections whose
/// access token expired (`tokenExpired`) and, with one query for the whole node,
/// those whose session was revoked, user disabled, tenant suspended (`sessionEnded`)
/// or role changed (`tokenExpired`: a fresh token carries the new role). It also
/// asks idle SSE streams for their heartbeat comment.
public struct ConnectionGuard: Service {
    let database: Database
    let connections: LocalConnections
    let interval: Duration
    let heartbeatInterval: Duration
    let logger: Logger

    public init(
        database: Database, connections: LocalConnections, interval: Duration = .seconds(2),
        heartbeatInterval: Duration = .seconds(20), logger: Logger
    ) {
        self.database = database
        self.connections = connections
        self.interval = interval
        self.heartbeatInterval = heartbeatInterval
        self.logger = logger
    }

    public func run() async throws {
        var sinceHeartbeat = Duration.zero
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            let live = connections.all()
            sinceHeartbeat += interval
            if sinceHeartbeat >= heartbeatInterval {
                sinceHeartbeat = .zero
                for connection in live where connection.transport == .serverSentEvents { connection.queue.heartbeat() }
            }
            do {
                try await revalidate(live)
            } catch {
                logger.warning("revalidating connections failed", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    func revalidate(_ live: [RealtimeConnection]) async throws {
        let now = Date()
        var open: [RealtimeConnection] = []
        for connection in live {
            if connection.expiresAt <= now {
                connection.queue.close(.tokenExpired)
            } else {
                open.append(connection)
            }
        }
        guard !open.isEmpty else { return }
        let sessionIDs = Array(Set(open.map(\.sessionID)))
        let logger = self.logger
        let current = try await database.withCrossTenantAccess(.connectionRevalidation, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT s.id, u.role FROM sessions s
                JOIN users u ON u.id = s.user_id AND u.tenant_id = s.tenant_id
                JOIN tenants t ON t.id = s.tenant_id
                WHERE s.id = ANY (\(sessionIDs)) AND s.revoked_at IS NULL AND u.status = 'active' AND t.status = 'active'
                """,
                logger: logger
            )
            var roles: [UUID: String] = [:]
            for try await row in rows {
                var columns = row.makeIterator()
                let (id, role) = (try columns.column(UUID.self), try columns.column(String.self))
                roles[id] = role
            }
            return roles
        }
        for connection in open {
            guard let role = current[connection.sessionID] else {
                connection.queue.close(.sessionEnded)
                continue
            }
            if role != connection.role.rawValue { connection.queue.close(.tokenExpired) }
        }
    }
}
