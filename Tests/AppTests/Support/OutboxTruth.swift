import Accounts
import Foundation
import Logging
import Persistence
import Realtime
import Testing

/// The events table read back as the ground truth a client's stream must match.
enum OutboxTruth {
    static let logger: Logger = {
        var logger = Logger(label: "outbox-truth")
        logger.logLevel = .error
        return logger
    }()

    /// Every event `userID` (with `role`) may see after `after`, in delivery order:
    /// (txid, id) compared as numbers. (Sorted here, not by `ORDER BY txid`: with
    /// `txid::text` in the select list, that would sort by the text.)
    static func expectedIDs(_ database: Database, tenantID: UUID, userID: UUID, role: Role, after: String) async throws -> [String] {
        let position = try #require(EventPosition(after))
        let positions = try await database.withTenant(tenantID, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT e.txid::text AS txid_text, e.id FROM events e
                WHERE e.tenant_id = \(tenantID)
                  AND (e.txid, e.id) > (\(String(position.transactionID))::xid8, \(position.eventID))
                  AND (\(userID) = ANY (e.audience_user_ids) OR \(role.rawValue) = ANY (e.audience_roles))
                ORDER BY e.txid, e.id
                """,
                logger: logger
            )
            var positions: [EventPosition] = []
            for try await (txid, id) in rows.decode((String, Int64).self) {
                positions.append(EventPosition(transactionID: UInt64(txid)!, eventID: id))
            }
            return positions
        }
        return positions.sorted().map(\.description)
    }
}
