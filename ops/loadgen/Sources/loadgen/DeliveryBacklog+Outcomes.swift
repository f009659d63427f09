import Foundation
import PostgresNIO

/// What each provider's processing left in the database for one step, read as the
/// superuser on the backlog's connection: the figures that show the deliveries were
/// applied, not only acknowledged.
extension DeliveryBacklog {
    /// WhatsApp: messages stored whose wamid starts with `wamidPrefix` (one step's).
    func messagesStored(wamidPrefix: String) async throws -> Int64 {
        let rows = try await connection.query(
            "SELECT count(*) FROM messages WHERE provider_message_id LIKE \(wamidPrefix + "%")", logger: logger)
        for try await count in rows.decode(Int64.self) { return count }
        return 0
    }

    /// Razorpay: the step's payments (order ids starting with `orderPrefix`) by status,
    /// and the notes processing left on the deliveries received since `since` (wall ns),
    /// by note ("no payment for order ..." and the like), the five most common.
    func paymentOutcomes(orderPrefix: String, since: Int64) async throws -> [String: Any] {
        var statuses: [String: Int64] = [:]
        let rows = try await connection.query(
            "SELECT status, count(*) FROM payments WHERE razorpay_order_id LIKE \(orderPrefix + "%") GROUP BY status", logger: logger)
        for try await (status, count) in rows.decode((String, Int64).self) { statuses[status] = count }
        var notes: [String: Int64] = [:]
        let noteRows = try await connection.query(
            """
            SELECT regexp_replace(last_error, '[0-9]+', 'N', 'g') AS note, count(*) FROM razorpay_deliveries
            WHERE received_at >= to_timestamp(\(Double(since) / 1e9 - 0.001)) AND last_error IS NOT NULL
            GROUP BY note ORDER BY count(*) DESC LIMIT 5
            """,
            logger: logger)
        for try await (note, count) in noteRows.decode((String, Int64).self) { notes[note] = count }
        return ["payments_by_status": statuses, "notes": notes]
    }
}

extension DeliveryBacklog {
    /// Order creation: payments stored whose idempotency key starts with `keyPrefix`,
    /// and how many of them carry a Razorpay order id.
    func paymentsCreated(keyPrefix: String) async throws -> [String: Any] {
        let rows = try await connection.query(
            "SELECT count(*), count(razorpay_order_id) FROM payments WHERE idempotency_key LIKE \(keyPrefix + "%")", logger: logger)
        for try await (stored, withOrder) in rows.decode((Int64, Int64).self) {
            return ["payments_stored": stored, "with_razorpay_order": withOrder]
        }
        return [:]
    }

    /// Stores `count` payments of the tenant `tenantSlug` in state `created`, with the
    /// order ids `orderPrefix` + 0 ..< count and `amount` INR each, spread over the
    /// tenant's contacts: what `RazorpayWebhooks` sends events for.
    func seedPayments(tenantSlug: String, orderPrefix: String, count: Int, amount: Int) async throws {
        try await connection.query(
            """
            WITH t AS (SELECT id FROM tenants WHERE slug = \(tenantSlug)),
                 c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS n
                       FROM contacts WHERE tenant_id = (SELECT id FROM t))
            INSERT INTO payments (id, tenant_id, kind, contact_id, amount_minor, currency, razorpay_order_id)
            SELECT gen_random_uuid(), (SELECT id FROM t), 'order', c.id, \(amount), 'INR', \(orderPrefix) || g
            FROM generate_series(0, \(count - 1)) AS g JOIN c ON c.k = g % c.n
            """,
            logger: logger)
    }

    func analyzePayments() async throws {
        try await connection.query("ANALYZE payments", logger: logger)
    }
}
