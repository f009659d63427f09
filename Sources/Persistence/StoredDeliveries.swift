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

    /// A table name from the code, never from input.
    let table: String
    let purpose: CrossTenantPurpose
    public static let maximumAttempts = 10

    public init(table: StaticString, purpose: CrossTenantPurpose) {
        self.table = "\(table)"
        self.purpose = purpose
    }

    /// Deliveries due for processing in every tenant. Those younger than two
    /// seconds are left to the node that stored them (it was nudged).
    public func pending(_ database: Database, logger: Logger) async throws -> [Item] {
        try await database.withCrossTenantAccess(purpose, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT tenant_id, id FROM \(unescaped: table)
                WHERE processed_at IS NULL AND attempts < \(Self.maximumAttempts) AND received_at < now() - interval '2 seconds'
                  AND (retry_at IS NULL OR retry_at <= now())
                ORDER BY received_at LIMIT 1000
                """,
                logger: logger)
            var items: [Item] = []
            for try await (tenantID, id) in rows.decode((UUID, UUID).self) { items.append(Item(tenantID: tenantID, deliveryID: id)) }
            return items
        }
    }

    /// The delivery's body and arrival, locked for processing; nil when it is
    /// processed already or another node is processing it.
    public func take(_ item: Item, on connection: PooledConnection, logger: Logger) async throws -> (body: [UInt8], receivedAt: Date)? {
        let rows = try await connection.query(
            """
            SELECT body, received_at FROM \(unescaped: table)
            WHERE tenant_id = \(item.tenantID) AND id = \(item.deliveryID) AND processed_at IS NULL
            FOR UPDATE SKIP LOCKED
            """,
            logger: logger)
        for try await (body, receivedAt) in rows.decode((ByteBuffer, Date).self) { return (Array(buffer: body), receivedAt) }
        return nil
    }

    /// Marks the taken delivery processed, with a note when nothing could be done with it.
    public func markProcessed(_ item: Item, note: String?, on connection: PooledConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: table) SET processed_at = now(), last_error = \(note)
            WHERE tenant_id = \(item.tenantID) AND id = \(item.deliveryID)
            """,
            logger: logger)
    }

    /// Records a failed attempt: retried after 1, 2, 4 ... seconds (at most 5 minutes).
    public func recordFailure(_ item: Item, error: any Error, database: Database, logger: Logger) async throws {
        _ = try await database.withTenant(item.tenantID, logger: logger) { connection in
            try await connection.query(
                """
                UPDATE \(unescaped: table) SET attempts = attempts + 1, last_error = \(String(String(reflecting: error).prefix(1000))),
                    retry_at = now() + least(300, power(2, attempts)) * interval '1 second'
                WHERE tenant_id = \(item.tenantID) AND id = \(item.deliveryID)
                """,
                logger: logger)
        }
    }
}
