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

    /// Stores a batch of verified deliveries of any tenants in one transaction, sent
    /// whole (webhook intake's group commit): `insert` is an `INSERT ... ON CONFLICT DO NOTHING
    /// RETURNING id` of the rows `ids`; true for each row stored, false for one that
    /// was stored before (or twice in this batch). Each row names the tenant of the
    /// verified key it came with.
    public static func insertBatch(_ insert: PostgresQuery, ids: [UUID], database: Database, logger: Logger) async throws -> [Bool] {
        var stored = Set<UUID>()
        for try await id in try await database.writeCrossTenant(.webhookIntake, [insert], logger: logger)[0].decode(UUID.self) {
            stored.insert(id)
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

    /// A delivery taken for processing: its item, body as received, and arrival.
    public struct Taken: Sendable {
        public let item: Item
        public let body: [UInt8]
        public let receivedAt: Date
    }

    /// Applies `batch` (deliveries of one tenant) in one transaction of that tenant:
    /// the deliveries not yet processed (nor locked by another node) are taken and
    /// marked processed in one statement, given to `apply` in arrival order, and those
    /// `apply` answers a note for (why nothing could be done with it) get that note,
    /// all in that transaction, so a crash or an error in any of them redoes the whole
    /// batch and nothing twice. One transaction per batch instead of per delivery
    /// saves its BEGIN, tenant scope, take and COMMIT. The take, and `reads` (what
    /// `apply` needs first, such as the tenant's settings), are sent together with
    /// BEGIN and the tenant scope; `apply` gets the rows of `reads`. The take writes:
    /// should BEGIN fail, it runs on its own, after the scope's own transaction has
    /// ended, so row-level security shows it no row and it marks nothing.
    public func apply(
        _ batch: [Item], reading reads: [PostgresQuery] = [], database: Database, logger: Logger,
        _ apply: ([Taken], [CollectedRows], PooledConnection) async throws -> [String?]
    ) async throws {
        guard let tenantID = batch.first?.tenantID else { return }
        precondition(batch.allSatisfy { $0.tenantID == tenantID }, "a batch of deliveries is one tenant's")
        let take = Self.take(batch, from: table)
        try await database.withTenant(tenantID, reading: [take] + reads, logger: logger) { connection, rows in
            let taken = try await Self.taken(rows[0], tenantID: tenantID)
            guard !taken.isEmpty else { return }  // processed already, or being processed elsewhere
            let notes = try await apply(taken, Array(rows.dropFirst()), connection)
            precondition(notes.count == taken.count, "one note (or nil) per delivery")
            let noted = zip(taken, notes).compactMap { delivery, note in note.map { (delivery.item.deliveryID, $0) } }
            guard !noted.isEmpty else { return }
            try await annotate(noted, tenantID: tenantID, in: table, on: connection, logger: logger)
        }
    }

    /// Runs `together` on the whole batch; when it throws, runs `each` on every
    /// delivery of the batch instead, so one bad delivery holds up no other.
    public func processTogetherOrEach(
        _ batch: [Item], logger: Logger, together: ([Item]) async throws -> Void, each: (Item) async -> Void
    ) async {
        if batch.count > 1 {
            do {
                return try await together(batch)
            } catch {
                logger.debug(
                    "a batch of deliveries failed; one at a time",
                    metadata: ["table": "\(table.name)", "error": "\(String(reflecting: error))"])
            }
        }
        for item in batch { await each(item) }
    }

    private static func take<Table: DeliveryTable>(_ batch: [Item], from _: Table.Type) -> PostgresQuery {
        Take<Table>.query(tenantID: batch[0].tenantID, ids: batch.map(\.deliveryID))
    }

    private static func taken(_ rows: CollectedRows, tenantID: UUID) async throws -> [Taken] {
        var taken: [Taken] = []
        for try await row in rows {
            var columns = row.makeIterator()
            let (id, body, receivedAt) = (try columns.column(UUID.self), try columns.column(ByteBuffer.self), try columns.column(Date.self))
            taken.append(Taken(item: Item(tenantID: tenantID, deliveryID: id), body: Array(buffer: body), receivedAt: receivedAt))
        }
        // In arrival order (ids are time-ordered: they break ties the same way).
        return taken.sorted { lhs, rhs in
            lhs.receivedAt == rhs.receivedAt ? lhs.item.deliveryID.sortsBefore(rhs.item.deliveryID) : lhs.receivedAt < rhs.receivedAt
        }
    }

    private func annotate<Table: DeliveryTable>(
        _ notes: [(id: UUID, note: String)], tenantID: UUID, in _: Table.Type, on connection: PooledConnection, logger: Logger
    ) async throws {
        let query = Annotate<Table>.query(tenantID: tenantID, notes: notes)
        try await connection.write(query, preparedAs: Annotate<Table>.self, logger: logger)
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

/// Every delivery is taken once. A plain statement, not a prepared one: it is sent
/// together with BEGIN and the tenant scope, which only plain statements can be.
enum Take<Table: DeliveryTable> {
    /// Locks the batch's unprocessed rows (skipping those another node holds) and marks
    /// them processed in one statement, a round trip fewer than a lock and then an
    /// update (the lock inside still writes each row before the update does, so the
    /// database does the same work: `BENCH_PG_STATEMENTS=1 ops/bench whatsapp`, 6.2 ms
    /// a batch of about 30 against 1.8 + 1.8 ms for about 24). The transaction that applies them
    /// commits the mark, or its rollback leaves them unprocessed. Unordered: sorting
    /// here let the planner walk the whole backlog in the pending index's order to
    /// find a batch (2.8 ms a batch under load); the caller sorts.
    static func query(tenantID: UUID, ids: [UUID]) -> PostgresQuery {
        """
        UPDATE \(unescaped: Table.name) AS d SET processed_at = now()
        WHERE d.tenant_id = \(tenantID)
          AND d.id = ANY(ARRAY(SELECT id FROM \(unescaped: Table.name)
                               WHERE tenant_id = \(tenantID) AND id = ANY(\(ids)::uuid[]) AND processed_at IS NULL
                               FOR UPDATE SKIP LOCKED))
        RETURNING d.id, d.body, d.received_at
        """
    }
}

/// The notes of deliveries taken that could not be applied (rare: a signed body that
/// is not a notification), why.
enum Annotate<Table: DeliveryTable>: PreparedSQL {
    static var sql: String { query(tenantID: .placeholder, notes: []).sql }
    static var types: [PostgresDataType] { [.uuidArray, .textArray, .uuid, .uuidArray] }

    /// The ids come twice: as the rows to update (`d.id = ANY`, which the primary key
    /// takes; the join alone was planned as a scan, 4.4 ms a batch under load) and
    /// beside their notes.
    static func query(tenantID: UUID, notes: [(id: UUID, note: String)]) -> PostgresQuery {
        """
        UPDATE \(unescaped: Table.name) AS d SET last_error = n.note
        FROM unnest(\(notes.map(\.id))::uuid[], \(notes.map(\.note))::text[]) AS n(id, note)
        WHERE d.tenant_id = \(tenantID) AND d.id = ANY(\(notes.map(\.id))::uuid[]) AND d.id = n.id
        """
    }
}
