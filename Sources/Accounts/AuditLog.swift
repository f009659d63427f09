import Foundation
import Logging
import Persistence
import PostgresNIO

/// Who made an administrative change.
public enum AuditActor: Sendable, Equatable {
    case user(UUID)
    case `operator`
    case system

    var kind: String {
        switch self {
        case .user: "user"
        case .operator: "operator"
        case .system: "system"
        }
    }

    var userID: UUID? {
        if case .user(let id) = self { return id }
        return nil
    }
}

/// One recorded administrative change.
public struct AuditEntry: Sendable, Equatable {
    public let id: Int64
    public let actorKind: String
    public let actorUserID: UUID?
    public let action: String
    public let targetType: String
    public let targetID: String?
    /// JSON object text; never holds secrets or passwords.
    public let details: String
    public let requestID: String?
    public let createdAt: Date
}

/// Appends to and reads the tenant's audit log. Entries are written in the same
/// transaction as the change they record.
public struct AuditLog: Sendable {
    public init() {}

    public func record(
        _ tenantID: UUID, actor: AuditActor, action: String, targetType: String, targetID: String?,
        details: [String: String] = [:], requestID: String?,
        on connection: PooledConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO audit_log (tenant_id, actor_kind, actor_user_id, action, target_type, target_id, details, request_id)
            VALUES (\(tenantID), \(actor.kind), \(actor.userID), \(action), \(targetType), \(targetID),
                    \(try details.jsonText())::jsonb, \(requestID))
            """,
            logger: logger
        )
    }

    /// Newest first, before entry id `before`.
    public func list(
        _ tenantID: UUID, before: Int64?, limit: Int, on connection: PooledConnection, logger: Logger
    ) async throws -> [AuditEntry] {
        let rows = try await connection.query(
            """
            SELECT id, actor_kind, actor_user_id, action, target_type, target_id, details::text, request_id, created_at
            FROM audit_log WHERE tenant_id = \(tenantID) AND id < \(before ?? Int64.max)
            ORDER BY id DESC LIMIT \(limit)
            """,
            logger: logger
        )
        var entries: [AuditEntry] = []
        for try await (id, kind, userID, action, targetType, targetID, details, requestID, createdAt) in rows.decode(
            (Int64, String, UUID?, String, String, String?, String, String?, Date).self
        ) {
            entries.append(
                AuditEntry(
                    id: id, actorKind: kind, actorUserID: userID, action: action, targetType: targetType,
                    targetID: targetID, details: details, requestID: requestID, createdAt: createdAt
                )
            )
        }
        return entries
    }
}
