import Accounts
import Contacts
import Foundation
import Logging
import Persistence
import PostgresNIO
import Realtime

/// `payment.captured`, `payment.failed` and `payment.refunded` (to the contact's
/// owner, the tenant's owners and admins, and the paying customer), and the
/// payment's entries on the contact's timeline, written with the change.
struct PaymentEvents: Sendable {
    let outbox = EventOutbox()
    let timeline = ContactTimeline()

    struct Changed: Encodable {
        let payment: PaymentView
    }

    struct TimelinePayment: Encodable, Sendable {
        let paymentId: UUID
        let status: String
        let amount: Int
        let currency: String
        let refundedAmount: Int
        let kind: String
    }

    /// Records the payment's new state on the contact's timeline and, for the
    /// states people must hear about, emits `type`.
    func changed(_ payment: Payment, by actor: UUID?, on connection: PooledConnection, logger: Logger) async throws {
        try await timeline.record(
            payment.tenantID, contact: payment.contactID, kind: .payment, actor: actor,
            data: TimelinePayment(
                paymentId: payment.id, status: payment.status.rawValue, amount: payment.amount, currency: payment.currency,
                refundedAmount: payment.refunded, kind: payment.kind.rawValue),
            on: connection, logger: logger)
        let type: String? =
            switch payment.status {
            case .captured: "payment.captured"
            case .failed: "payment.failed"
            case .refunded, .partiallyRefunded: "payment.refunded"
            case .created, .authorized: nil
            }
        guard let type else { return }
        var audience = EventAudience(roles: [.owner, .admin])
        let contact = try await contactPeople(payment, on: connection, logger: logger)
        // The owner, and the paying customer: whoever started it, or the contact's portal user.
        for user in [contact.owner, payment.customerUserID ?? contact.customer].compactMap({ $0 }) where !audience.userIDs.contains(user) {
            audience.userIDs.append(user)
        }
        try await outbox.emit(
            payment.tenantID, type: type, audience: audience, payload: Changed(payment: PaymentView(payment)), on: connection,
            logger: logger)
    }

    private func contactPeople(_ payment: Payment, on connection: PooledConnection, logger: Logger) async throws -> (
        owner: UUID?, customer: UUID?
    ) {
        let query = Self.contactPeopleQuery(payment.tenantID, contact: payment.contactID)
        for try await row in try await connection.query(query, preparedAs: ContactPeople.self, logger: logger) {
            var columns = row.makeIterator()
            return (try columns.column(UUID?.self), try columns.column(UUID?.self))
        }
        return (nil, nil)
    }

    /// Every payment event reads who to tell: prepared.
    enum ContactPeople: PreparedSQL { static let sql = PaymentEvents.contactPeopleQuery(UUID(), contact: UUID()).sql }

    static func contactPeopleQuery(_ tenantID: UUID, contact: UUID) -> PostgresQuery {
        "SELECT owner_id, customer_user_id FROM contacts WHERE tenant_id = \(tenantID) AND id = \(contact)"
    }
}
