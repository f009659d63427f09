import Foundation
import Logging
import Persistence
import PostgresNIO

/// SQL for payments and refunds. Every statement names the tenant; callers run them
/// inside `Database.withTenant`.
struct PaymentStore: Sendable {
    static let columns = """
        p.id, p.tenant_id, p.kind, p.contact_id, p.customer_user_id, p.product_id, p.description, p.amount_minor, p.currency,
        p.status, p.razorpay_order_id, p.razorpay_payment_id, p.razorpay_link_id, p.short_url, p.captured_minor, p.refunded_minor,
        p.method, p.error_code, p.error_description, p.mismatch, p.created_by, p.created_at, p.updated_at, p.verified_at,
        p.authorized_at, p.captured_at, p.failed_at
        """

    func insert(
        _ payment: Payment, idempotencyKey: String?, requestHash: String?, on connection: PooledConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO payments (id, tenant_id, kind, contact_id, customer_user_id, product_id, description, amount_minor, currency,
                                  status, razorpay_order_id, razorpay_link_id, short_url, created_by, idempotency_key, request_hash)
            VALUES (\(payment.id), \(payment.tenantID), \(payment.kind.rawValue), \(payment.contactID), \(payment.customerUserID),
                    \(payment.productID), \(payment.description), \(payment.amount), \(payment.currency), \(payment.status.rawValue),
                    \(payment.razorpayOrderID), \(payment.razorpayLinkID), \(payment.shortURL), \(payment.createdBy),
                    \(idempotencyKey), \(requestHash))
            """,
            logger: logger)
    }

    /// Writes the state fields a verification or a webhook changes.
    func save(_ payment: Payment, on connection: PooledConnection, logger: Logger) async throws {
        try await connection.query(Self.saveQuery(payment), preparedAs: Save.self, logger: logger)
    }

    /// Every Razorpay event that changes a payment runs these: prepared.
    enum Save: PreparedSQL {
        /// Any payment gives the statement's text: its values are binds.
        static let sql = PaymentStore.saveQuery(
            Payment(
                id: UUID(), tenantID: UUID(), kind: .order, contactID: UUID(), customerUserID: nil, productID: nil,
                description: nil, amount: 100, currency: "INR", status: .created, razorpayOrderID: nil, razorpayPaymentID: nil,
                razorpayLinkID: nil, shortURL: nil, captured: 0, refunded: 0, method: nil, errorCode: nil, errorDescription: nil,
                mismatch: nil, createdBy: nil, createdAt: Date(), updatedAt: Date())
        ).sql
    }

    static func saveQuery(_ payment: Payment) -> PostgresQuery {
        """
        UPDATE payments SET status = \(payment.status.rawValue), razorpay_payment_id = \(payment.razorpayPaymentID),
            captured_minor = \(payment.captured), refunded_minor = \(payment.refunded), method = \(payment.method),
            error_code = \(payment.errorCode), error_description = \(payment.errorDescription), mismatch = \(payment.mismatch),
            verified_at = \(payment.verifiedAt), authorized_at = \(payment.authorizedAt), captured_at = \(payment.capturedAt),
            failed_at = \(payment.failedAt), updated_at = now()
        WHERE tenant_id = \(payment.tenantID) AND id = \(payment.id)
        """
    }

    func find(_ tenantID: UUID, id: UUID, lock: Bool = false, on connection: PooledConnection, logger: Logger) async throws -> Payment? {
        try await one(
            connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM payments p WHERE p.tenant_id = \(tenantID) AND p.id = \(id)
                \(unescaped: lock ? "FOR UPDATE" : "")
                """,
                logger: logger))
    }

    /// The payment behind a Razorpay order or payment link, locked for a state change.
    func find(
        _ tenantID: UUID, orderID: String?, linkID: String?, on connection: PooledConnection, logger: Logger
    ) async throws -> Payment? {
        let query = Self.findQuery(tenantID, orderID: orderID, linkID: linkID)
        return try await one(connection.query(query, preparedAs: FindByOrderOrLink.self, logger: logger))
    }

    enum FindByOrderOrLink: PreparedSQL { static let sql = PaymentStore.findQuery(UUID(), orderID: nil, linkID: nil).sql }

    static func findQuery(_ tenantID: UUID, orderID: String?, linkID: String?) -> PostgresQuery {
        """
        SELECT \(unescaped: Self.columns) FROM payments p
        WHERE p.tenant_id = \(tenantID)
          AND ((\(orderID)::text IS NOT NULL AND p.razorpay_order_id = \(orderID))
               OR (\(linkID)::text IS NOT NULL AND p.razorpay_link_id = \(linkID)))
        ORDER BY p.created_at LIMIT 1
        FOR UPDATE
        """
    }

    /// The payment whose Razorpay payment id is `paymentID` (refund events name only that).
    func find(_ tenantID: UUID, razorpayPaymentID: String, on connection: PooledConnection, logger: Logger) async throws -> Payment? {
        let query = Self.findQuery(tenantID, razorpayPaymentID: razorpayPaymentID)
        return try await one(connection.query(query, preparedAs: FindByPaymentID.self, logger: logger))
    }

    enum FindByPaymentID: PreparedSQL { static let sql = PaymentStore.findQuery(UUID(), razorpayPaymentID: "").sql }

    static func findQuery(_ tenantID: UUID, razorpayPaymentID: String) -> PostgresQuery {
        """
        SELECT \(unescaped: Self.columns) FROM payments p
        WHERE p.tenant_id = \(tenantID) AND p.razorpay_payment_id = \(razorpayPaymentID)
        ORDER BY p.created_at LIMIT 1 FOR UPDATE
        """
    }

    /// The payment an earlier request with this idempotency key created, and that request's fingerprint.
    func find(
        _ tenantID: UUID, createdBy: UUID, idempotencyKey: String, on connection: PooledConnection, logger: Logger
    ) async throws -> (payment: Payment, requestHash: String?)? {
        let rows = try await connection.query(
            """
            SELECT p.request_hash, \(unescaped: Self.columns) FROM payments p
            WHERE p.tenant_id = \(tenantID) AND p.created_by = \(createdBy) AND p.idempotency_key = \(idempotencyKey)
            """,
            logger: logger)
        for try await row in rows {
            var cells = row.makeIterator()
            let hash = try cells.column(String?.self)
            return (try Self.payment(&cells), hash)
        }
        return nil
    }

    /// A page, newest first, after `cursor` (created at, id). `customer` limits it to
    /// what that customer started or what was asked of their contact; `owner` to the
    /// contacts an agent owns.
    func page(
        _ tenantID: UUID, filter: PaymentFilter, customer: UUID?, owner: UUID?, after cursor: (Date, UUID)?, limit: Int,
        on connection: PooledConnection, logger: Logger
    ) async throws -> [Payment] {
        let micros = cursor.map { Int64(($0.0.timeIntervalSince1970 * 1_000_000).rounded()) }
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM payments p
            WHERE p.tenant_id = \(tenantID)
              AND (\(filter.status?.rawValue)::text IS NULL OR p.status = \(filter.status?.rawValue))
              AND (\(filter.contactID)::uuid IS NULL OR p.contact_id = \(filter.contactID))
              AND (\(filter.from)::timestamptz IS NULL OR p.created_at >= \(filter.from))
              AND (\(filter.to)::timestamptz IS NULL OR p.created_at < \(filter.to))
              AND (\(customer)::uuid IS NULL OR p.customer_user_id = \(customer)
                   OR p.contact_id IN (SELECT c.id FROM contacts c WHERE c.tenant_id = \(tenantID) AND c.customer_user_id = \(customer)))
              AND (\(owner)::uuid IS NULL OR p.contact_id IN (SELECT c.id FROM contacts c WHERE c.tenant_id = \(tenantID) AND c.owner_id = \(owner)))
              AND (\(micros)::int8 IS NULL
                   OR (p.created_at, p.id) < (timestamptz 'epoch' + \(micros)::int8 * interval '1 microsecond', \(cursor?.1)::uuid))
            ORDER BY p.created_at DESC, p.id DESC
            LIMIT \(limit)
            """,
            logger: logger)
        var payments: [Payment] = []
        for try await row in rows {
            var cells = row.makeIterator()
            payments.append(try Self.payment(&cells))
        }
        return payments
    }

    // MARK: refunds

    func insert(
        _ refund: Refund, tenantID: UUID, idempotencyKey: String?, requestHash: String?, on connection: PooledConnection, logger: Logger
    )
        async throws
    {
        try await connection.query(
            """
            INSERT INTO refunds (id, tenant_id, payment_id, amount_minor, status, razorpay_refund_id, created_by, idempotency_key, request_hash)
            VALUES (\(refund.id), \(tenantID), \(refund.paymentID), \(refund.amount), \(refund.status.rawValue), \(refund.razorpayRefundID),
                    \(refund.createdBy), \(idempotencyKey), \(requestHash))
            """,
            logger: logger)
    }

    func save(_ refund: Refund, tenantID: UUID, on connection: PooledConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE refunds SET status = \(refund.status.rawValue), razorpay_refund_id = \(refund.razorpayRefundID), error = \(refund.error),
                updated_at = now()
            WHERE tenant_id = \(tenantID) AND id = \(refund.id)
            """,
            logger: logger)
    }

    func refunds(_ tenantID: UUID, payment: UUID, on connection: PooledConnection, logger: Logger) async throws -> [Refund] {
        let rows = try await connection.query(
            """
            SELECT id, payment_id, amount_minor, status, razorpay_refund_id, error, created_by, created_at, updated_at
            FROM refunds WHERE tenant_id = \(tenantID) AND payment_id = \(payment) ORDER BY created_at, id
            """,
            logger: logger)
        var refunds: [Refund] = []
        for try await row in rows {
            var columns = row.makeIterator()
            let (id, paymentID, amount, status, razorpayID, error, createdBy, createdAt, updatedAt) = (
                try columns.column(UUID.self), try columns.column(UUID.self), try columns.column(Int.self), try columns.column(String.self),
                try columns.column(String?.self), try columns.column(String?.self), try columns.column(UUID?.self),
                try columns.column(Date.self), try columns.column(Date.self)
            )
            refunds.append(
                Refund(
                    id: id, paymentID: paymentID, amount: amount, status: Refund.Status(rawValue: status) ?? .pending,
                    razorpayRefundID: razorpayID, error: error, createdBy: createdBy, createdAt: createdAt, updatedAt: updatedAt))
        }
        return refunds
    }

    /// The refund an earlier request with this key made, and that request's fingerprint.
    func findRefund(
        _ tenantID: UUID, createdBy: UUID, idempotencyKey: String, on connection: PooledConnection, logger: Logger
    ) async throws -> (refundID: UUID, paymentID: UUID, requestHash: String?)? {
        let rows = try await connection.query(
            """
            SELECT id, payment_id, request_hash FROM refunds
            WHERE tenant_id = \(tenantID) AND created_by = \(createdBy) AND idempotency_key = \(idempotencyKey)
            """,
            logger: logger)
        for try await row in rows {
            var columns = row.makeIterator()
            let (id, payment, hash) = (try columns.column(UUID.self), try columns.column(UUID.self), try columns.column(String?.self))
            return (id, payment, hash)
        }
        return nil
    }

    // MARK: decoding

    private func one(_ rows: some AsyncSequence<PostgresRow, any Error>) async throws -> Payment? {
        for try await row in rows {
            var cells = row.makeIterator()
            return try Self.payment(&cells)
        }
        return nil
    }

    static func payment(_ cells: inout PostgresRow.Iterator) throws -> Payment {
        return Payment(
            id: try cells.column(UUID.self), tenantID: try cells.column(UUID.self),
            kind: Payment.Kind(rawValue: try cells.column(String.self)) ?? .order,
            contactID: try cells.column(UUID.self), customerUserID: try cells.column(UUID?.self), productID: try cells.column(UUID?.self),
            description: try cells.column(String?.self), amount: try cells.column(Int.self), currency: try cells.column(String.self),
            status: Payment.Status(rawValue: try cells.column(String.self)) ?? .created, razorpayOrderID: try cells.column(String?.self),
            razorpayPaymentID: try cells.column(String?.self), razorpayLinkID: try cells.column(String?.self),
            shortURL: try cells.column(String?.self),
            captured: try cells.column(Int.self), refunded: try cells.column(Int.self), method: try cells.column(String?.self),
            errorCode: try cells.column(String?.self),
            errorDescription: try cells.column(String?.self), mismatch: try cells.column(String?.self),
            createdBy: try cells.column(UUID?.self),
            createdAt: try cells.column(Date.self), updatedAt: try cells.column(Date.self), verifiedAt: try cells.column(Date?.self),
            authorizedAt: try cells.column(Date?.self), capturedAt: try cells.column(Date?.self), failedAt: try cells.column(Date?.self))
    }
}
