import Foundation
import Logging
import PostgresNIO

/// A table of verified provider webhook deliveries, stored as received before
/// they are processed (`whatsapp_deliveries`, `razorpay_deliveries`: `id`,
/// `tenant_id`, `body`, `received_at`, `processed_at`, `attempts`, `last_error`,
/// `retry_at`). Processing takes a delivery inside its tenant's transaction and
/// marks it processed in the same transaction, so a crash redoes it; failures are
/// retried with backoff, up to `maximumAttempts`.
public struct StoredDeliveries: Sendable {
    public struct Item: Sendable, Hashable {
        public let tenantID: UUID
        public let deliveryID: UUID

        public init(tenantID: UUID, deliveryID: UUID) {
            self.tenantID = tenantID
            self.deliveryID = deliveryID
        }
    }

    let table: any DeliveryTable.Type
    let purpose: CrossTenantPurpose
    public static let maximumAttempts = 10

    public init(table: any DeliveryTable.Type, purpose: CrossTenantPurpose) {
        self.table = table
        self.purpose = purpose
    }

    /// Stores a batch of verified deliveries of any tenants in one transaction (webhook
    /// intake's group commit): `insert` is an `INSERT ... ON CONFLICT DO NOTHING
    /// RETURNING id` of the rows `ids`; true for each row stored, false for one that
    /// was stored before (or twice in this batch). Each row names the tenant of the
    /// verified key it came with.
    public static func insertBatch(_ insert: PostgresQuery, ids: [UUID], database: Database, logger: Logger) async throws -> [Bool] {
        let stored = try await database.withCrossTenantAccess(.webhookIntake, logger: logger) { connection in
            var stored = Set<UUID>()
            for try await id in try await connection.query(insert, logger: logger).decode(UUID.self) { stored.insert(id) }
            return stored
        }
        return ids.map(stored.contains)
    }

    /// Deliveries due for processing in every tenant. Those younger than two
    /// seconds are left to the node that stored them (it was nudged).
    public func pending(_ database: Database, logger: Logger) async throws -> [Item] {
        try await database.withCrossTenantAccess(purpose, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT tenant_id, id FROM \(unescaped: table.name)
                WHERE processed_at IS NULL AND attempts < \(Self.maximumAttempts) AND received_at < now() - interval '2 seconds'
                  AND (retry_at IS NULL OR retry_at <= now())
                ORDER BY received_at LIMIT 1000
                """,
                logger: logger)
            var items: [Item] = []
            for try await row in rows {
                var columns = row.makeIterator()
                let (tenantID, id) = (try columns.column(UUID.self), try columns.column(UUID.self))
                items.append(Item(tenantID: tenantID, deliveryID: id))
            }
            return items
        }
    }

    /// The delivery's body and arrival, locked for processing; nil when it is
    /// processed already or another node is processing it.
    public func take(_ item: Item, on connection: PooledConnection, logger: Logger) async throws -> (body: [UInt8], receivedAt: Date)? {
        try await take(item, from: table, on: connection, logger: logger)
    }

    private func take<Table: DeliveryTable>(
        _ item: Item, from _: Table.Type, on connection: PooledConnection, logger: Logger
    ) async throws -> (body: [UInt8], receivedAt: Date)? {
        let rows = try await connection.query(Take<Table>.query(item), preparedAs: Take<Table>.self, logger: logger)
        for try await row in rows {
            var columns = row.makeIterator()
            let (body, receivedAt) = (try columns.column(ByteBuffer.self), try columns.column(Date.self))
            return (Array(buffer: body), receivedAt)
        }
        return nil
    }

    /// Marks the taken delivery processed, with a note when nothing could be done with it.
    public func markProcessed(_ item: Item, note: String?, on connection: PooledConnection, logger: Logger) async throws {
        try await markProcessed(item, note: note, in: table, on: connection, logger: logger)
    }

    private func markProcessed<Table: DeliveryTable>(
        _ item: Item, note: String?, in _: Table.Type, on connection: PooledConnection, logger: Logger
    ) async throws {
        try await connection.query(MarkProcessed<Table>.query(item, note: note), preparedAs: MarkProcessed<Table>.self, logger: logger)
    }

    /// Records a failed attempt: retried after 1, 2, 4 ... seconds (at most 5 minutes).
    public func recordFailure(_ item: Item, error: any Error, database: Database, logger: Logger) async throws {
        _ = try await database.withTenant(item.tenantID, logger: logger) { connection in
            try await connection.query(
                """
                UPDATE \(unescaped: table.name) SET attempts = attempts + 1, last_error = \(String(String(reflecting: error).prefix(1000))),
                    retry_at = now() + least(300, power(2, attempts)) * interval '1 second'
                WHERE tenant_id = \(item.tenantID) AND id = \(item.deliveryID)
                """,
                logger: logger)
        }
    }
}

/// A table of stored deliveries (see `StoredDeliveries`); its name is code, never input.
public protocol DeliveryTable: Sendable {
    static var name: String { get }
}

/// Every delivery is taken and marked once: both prepared, per table.
enum Take<Table: DeliveryTable>: PreparedSQL {
    // Only the text is wanted; generic types cannot store it, so it is made per use.
    static var sql: String { query(StoredDeliveries.Item(tenantID: .placeholder, deliveryID: .placeholder)).sql }

    static func query(_ item: StoredDeliveries.Item) -> PostgresQuery {
        """
        SELECT body, received_at FROM \(unescaped: Table.name)
        WHERE tenant_id = \(item.tenantID) AND id = \(item.deliveryID) AND processed_at IS NULL
        FOR UPDATE SKIP LOCKED
        """
    }
}

enum MarkProcessed<Table: DeliveryTable>: PreparedSQL {
    static var sql: String { query(StoredDeliveries.Item(tenantID: .placeholder, deliveryID: .placeholder), note: nil).sql }
    static var types: [PostgresDataType] { [.text, .uuid, .uuid] }

    static func query(_ item: StoredDeliveries.Item, note: String?) -> PostgresQuery {
        """
        UPDATE \(unescaped: Table.name) SET processed_at = now(), last_error = \(note)
        WHERE tenant_id = \(item.tenantID) AND id = \(item.deliveryID)
        """
    }
}
