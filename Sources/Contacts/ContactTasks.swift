import Foundation
import Logging
import Persistence
import PostgresNIO
import Realtime

/// A follow-up on a contact; today the callback a missed customer call leaves.
public struct ContactTask: Sendable, Equatable {
    public let id: UUID
    public let contactID: UUID
    public let contactName: String
    public let kind: String
    public let title: String
    public var status: String
    public let assigneeID: UUID?
    public let callID: UUID?
    public let dueAt: Date
    public let createdAt: Date
    public var completedAt: Date?
    public var completedBy: UUID?
}

/// Contact tasks: created by other features (calls), listed and completed by staff.
public struct ContactTasks: Sendable {
    let database: Database
    public init(database: Database) {
        self.database = database
    }

    static let columns = """
        t.id, t.contact_id, c.name, t.kind, t.title, t.status, t.assignee_id, t.call_id, t.due_at, t.created_at, t.completed_at,
        t.completed_by
        """

    /// Creates tasks inside another feature's transaction.
    public struct Writer: Sendable {
        let outbox = EventOutbox()

        public init() {}

        /// Leaves a callback task for a missed call in the caller's transaction, and
        /// tells its assignee with `task.created`. The contact's owner takes it, else
        /// `fallbackAssignee`; unassigned, owners and admins are told (they hand it out:
        /// telling every agent would wake a whole floor for each missed call).
        public func createCallback(
            _ tenantID: UUID, contact: CustomerContact, callID: UUID, fallbackAssignee: UUID?, on connection: PooledConnection,
            logger: Logger
        ) async throws {
            let assignee = contact.ownerId ?? fallbackAssignee
            let id = UUID.timeOrdered()
            let title = "Call back \(contact.name) (missed call)"
            try await connection.write(
                Self.callbackQuery(
                    id: id, tenantID, contact: contact.id, title: String(title.prefix(300)), assignee: assignee, callID: callID),
                preparedAs: InsertCallback.self, logger: logger)
            struct Created: Encodable {
                let taskId: UUID
                let kind: String
                let title: String
                let contactId: UUID
                let callId: UUID
            }
            let audience = assignee.map { EventAudience.user($0) } ?? EventAudience(roles: [.owner, .admin])
            try await outbox.emit(
                tenantID, type: "task.created", audience: audience,
                payload: Created(taskId: id, kind: "callback", title: title, contactId: contact.id, callId: callID), on: connection,
                logger: logger)
        }

        /// Every missed or declined customer call leaves one: prepared.
        enum InsertCallback: PreparedSQL {
            static let sql = Writer.callbackQuery(id: UUID(), UUID(), contact: UUID(), title: "", assignee: nil, callID: UUID()).sql
        }

        static func callbackQuery(id: UUID, _ tenantID: UUID, contact: UUID, title: String, assignee: UUID?, callID: UUID) -> PostgresQuery
        {
            """
            INSERT INTO contact_tasks (id, tenant_id, contact_id, kind, title, assignee_id, call_id)
            VALUES (\(id), \(tenantID), \(contact), 'callback', \(title), \(assignee), \(callID))
            """
        }
    }

    /// Open (or done) tasks, soonest due first, optionally for one contact or assignee.
    public func list(
        _ tenantID: UUID, status: String, contact: UUID?, assignee: UUID?, limit: Int, logger: Logger
    ) async throws -> [ContactTask] {
        try await database.withTenant(tenantID, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM contact_tasks t JOIN contacts c ON c.id = t.contact_id AND c.tenant_id = t.tenant_id
                WHERE t.tenant_id = \(tenantID) AND t.status = \(status)
                  AND (\(contact)::uuid IS NULL OR t.contact_id = \(contact))
                  AND (\(assignee)::uuid IS NULL OR t.assignee_id = \(assignee))
                ORDER BY t.due_at, t.id LIMIT \(limit)
                """,
                logger: logger
            )
            return try await Self.tasks(rows)
        }
    }

    /// Marks the task done; nil when the tenant has no such task.
    public func complete(_ tenantID: UUID, id: UUID, by userID: UUID, logger: Logger) async throws -> ContactTask? {
        try await database.withTenant(tenantID, logger: logger) { connection in
            try await connection.query(
                """
                UPDATE contact_tasks SET status = 'done', completed_at = coalesce(completed_at, now()),
                       completed_by = coalesce(completed_by, \(userID))
                WHERE tenant_id = \(tenantID) AND id = \(id)
                """,
                logger: logger
            )
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM contact_tasks t JOIN contacts c ON c.id = t.contact_id AND c.tenant_id = t.tenant_id
                WHERE t.tenant_id = \(tenantID) AND t.id = \(id)
                """,
                logger: logger
            )
            return try await Self.tasks(rows).first
        }
    }

    static func tasks(_ rows: CollectedRows) async throws -> [ContactTask] {
        var tasks: [ContactTask] = []
        for try await row in rows {
            var columns = row.makeIterator()
            let row = (
                try columns.column(UUID.self), try columns.column(UUID.self), try columns.column(String.self),
                try columns.column(String.self), try columns.column(String.self), try columns.column(String.self),
                try columns.column(UUID?.self), try columns.column(UUID?.self), try columns.column(Date.self),
                try columns.column(Date.self), try columns.column(Date?.self), try columns.column(UUID?.self)
            )
            tasks.append(
                ContactTask(
                    id: row.0, contactID: row.1, contactName: row.2, kind: row.3, title: row.4, status: row.5, assigneeID: row.6,
                    callID: row.7, dueAt: row.8, createdAt: row.9, completedAt: row.10, completedBy: row.11))
        }
        return tasks
    }
}
