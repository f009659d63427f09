import Foundation
import NIOConcurrencyHelpers

/// This node's live connections, by tenant and user, for fan-out and limits.
public final class LocalConnections: Sendable {
    private struct TenantConnections {
        var byUser: [UUID: Set<RealtimeConnection>] = [:]
    }

    private let tenants = NIOLockedValueBox([UUID: TenantConnections]())
    private let draining = NIOLockedValueBox(false)
    /// Connections one user may hold on this node.
    public let maximumPerUser: Int

    public init(maximumPerUser: Int = 10) {
        self.maximumPerUser = maximumPerUser
    }

    /// From now on the node is shutting down and accepts no connection.
    public func startDraining() { draining.withLockedValue { $0 = true } }
    public var isDraining: Bool { draining.withLockedValue { $0 } }

    /// Adds `connection` unless its user is at the cap; returns how many connections
    /// the user holds on this node afterwards, or nil when refused.
    public func add(_ connection: RealtimeConnection) -> Int? {
        tenants.withLockedValue { tenants in
            let existing = tenants[connection.tenantID]?.byUser[connection.userID]?.count ?? 0
            guard existing < maximumPerUser else { return nil }
            tenants[connection.tenantID, default: TenantConnections()].byUser[connection.userID, default: []].insert(connection)
            return existing + 1
        }
    }

    /// Removes `connection`; returns how many the user still holds on this node.
    @discardableResult
    public func remove(_ connection: RealtimeConnection) -> Int {
        tenants.withLockedValue { tenants in
            guard var tenant = tenants[connection.tenantID], var set = tenant.byUser[connection.userID] else { return 0 }
            set.remove(connection)
            tenant.byUser[connection.userID] = set.isEmpty ? nil : set
            tenants[connection.tenantID] = tenant.byUser.isEmpty ? nil : tenant
            return set.count
        }
    }

    /// Whether the user's connections belong to staff (presence tracks only staff).
    public func isStaff(tenantID: UUID, userID: UUID) -> Bool {
        tenants.withLockedValue { $0[tenantID]?.byUser[userID]?.first.map { $0.role != .customer } ?? false }
    }

    public func count(tenantID: UUID, userID: UUID) -> Int {
        tenants.withLockedValue { $0[tenantID]?.byUser[userID]?.count ?? 0 }
    }

    public var count: Int {
        tenants.withLockedValue { $0.values.reduce(0) { $0 + $1.byUser.values.reduce(0) { $0 + $1.count } } }
    }

    /// Every connection, for sweeps (revalidation, heartbeats, shutdown).
    public func all() -> [RealtimeConnection] {
        tenants.withLockedValue { tenants in tenants.values.flatMap { $0.byUser.values.flatMap { $0 } } }
    }

    /// Every (tenant, user) with a connection here, for presence heartbeats.
    public func users() -> [(tenantID: UUID, userID: UUID, count: Int)] {
        tenants.withLockedValue { tenants in
            tenants.flatMap { tenantID, tenant in tenant.byUser.map { (tenantID, $0.key, $0.value.count) } }
        }
    }

    /// Queues `event` for each connection in its tenant whose user is in its audience.
    /// Returns how many connections it was queued for.
    @discardableResult
    public func deliver(_ event: EncodedEvent, tenantID: UUID, audience: EventAudience) -> Int {
        // Copy the tenant's map under the lock (copy-on-write makes that cheap) and push
        // outside it, so queue locks never nest inside the registry lock.
        guard let tenant = tenants.withLockedValue({ $0[tenantID] }) else { return 0 }
        var delivered = 0
        if audience.roles.isEmpty {
            for userID in Set(audience.userIDs) {
                for connection in tenant.byUser[userID] ?? [] where connection.queue.push(event) { delivered += 1 }
            }
        } else {
            for connections in tenant.byUser.values {
                for connection in connections where connection.hears(audience) && connection.queue.push(event) { delivered += 1 }
            }
        }
        return delivered
    }
}
