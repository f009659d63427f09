import Accounts
import Foundation
import Logging
import Persistence
import PostgresNIO
import Razorpay
import ServiceLifecycle

/// Applies stored Razorpay webhook events, each in one tenant transaction that also
/// marks it processed (a crash mid-way redoes it; the rules make a redo harmless).
/// Events for orders, links or payments this tenant does not have are kept and
/// marked processed with a note. Runs deliveries stored on this node at once and
/// polls for the rest, retrying failures with backoff.
public final class RazorpayInbound: Service, Sendable {
    typealias Item = StoredDeliveries.Item

    let database: Database
    let logger: Logger
    let worker: NudgedWorker<Item>
    let store = PaymentStore()
    let events = PaymentEvents()
    let deliveries = StoredDeliveries(table: RazorpayDeliveryTable.self, purpose: .razorpayDeliveries)

    /// Deliveries of one tenant applied in one transaction, at most.
    static let batchSize = 50

    public init(database: Database, pollInterval: Duration = .seconds(1), logger: Logger) {
        self.database = database
        self.logger = logger
        worker = NudgedWorker(pollInterval: pollInterval, concurrency: 4, concurrencyWhileArriving: 1, batchSize: Self.batchSize)
    }

    func nudge(_ tenantID: UUID, delivery: UUID) {
        worker.nudge(Item(tenantID: tenantID, deliveryID: delivery))
    }

    public func run() async throws {
        await worker.run(
            poll: { [self] in await pending() }, sameBatch: { $0.tenantID == $1.tenantID }, work: { [self] batch in await process(batch) })
    }

    private func pending() async -> [Item] {
        do {
            return try await deliveries.pending(database, logger: logger)
        } catch {
            logger.warning("could not look for Razorpay deliveries", metadata: ["error": "\(String(reflecting: error))"])
            return []
        }
    }

    /// Applies one tenant's deliveries in one transaction; when any of them fails,
    /// each is applied again on its own, so one bad delivery holds up no other.
    func process(_ batch: [Item]) async {
        await deliveries.processTogetherOrEach(batch, logger: logger, together: { try await apply($0) }, each: { await process($0) })
    }

    func process(_ item: Item) async {
        do {
            try await apply([item])
        } catch {
            logger.error(
                "Razorpay delivery failed", metadata: ["delivery_id": "\(item.deliveryID)", "error": "\(String(reflecting: error))"])
            do {
                try await deliveries.recordFailure(item, error: error, database: database, logger: logger)
            } catch {
                logger.warning("could not record a Razorpay delivery failure", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    private func apply(_ batch: [Item]) async throws {
        try await deliveries.apply(batch, database: database, logger: logger) { taken, _, connection in
            var notes: [String?] = []
            for delivery in taken {
                do {
                    notes.append(try await apply(try RazorpayEvent.parse(delivery.body), tenantID: delivery.item.tenantID, on: connection))
                } catch let error as RazorpayPayloadError {
                    notes.append("not a Razorpay event: \(error.reason)")
                }
            }
            return notes
        }
    }

    /// Applies one event; answers a note when there was nothing of ours to apply it to.
    private func apply(_ event: RazorpayEvent, tenantID: UUID, on connection: PooledConnection) async throws -> String? {
        if event.event.hasPrefix("refund.") {
            return try await applyRefund(event, tenantID: tenantID, on: connection)
        }
        let orderID = event.payment?.orderID ?? event.order?.id
        guard var payment = try await store.find(tenantID, orderID: orderID, linkID: event.paymentLink?.id, on: connection, logger: logger)
        else { return "no payment for order \(orderID ?? "-") / link \(event.paymentLink?.id ?? "-")" }
        guard let entity = event.payment else { return "\(event.event) carries no payment" }
        let before = payment
        PaymentProgress.apply(entity, event: event.event, to: &payment, at: Date())
        guard payment != before else { return nil }
        try await store.save(payment, on: connection, logger: logger)
        if payment.status != before.status || payment.mismatch != before.mismatch {
            try await events.changed(payment, by: nil, on: connection, logger: logger)
        }
        return nil
    }

    private func applyRefund(_ event: RazorpayEvent, tenantID: UUID, on connection: PooledConnection) async throws -> String? {
        guard let entity = event.refund else { return "\(event.event) carries no refund" }
        guard var payment = try await store.find(tenantID, razorpayPaymentID: entity.paymentID, on: connection, logger: logger) else {
            return "no payment \(entity.paymentID)"
        }
        var refunds = try await store.refunds(tenantID, payment: payment.id, on: connection, logger: logger)
        // Ours by Razorpay's id; or one we asked for whose answer has not been stored
        // yet (same amount, no id); or one made in Razorpay's dashboard.
        let index =
            refunds.firstIndex { $0.razorpayRefundID == entity.id }
            ?? refunds.firstIndex { $0.razorpayRefundID == nil && $0.status == .requested && $0.amount == entity.amount }
        var refund: Refund
        if let index {
            refund = refunds[index]
        } else {
            refund = Refund(
                id: UUID.timeOrdered(), paymentID: payment.id, amount: entity.amount, status: .pending, razorpayRefundID: entity.id,
                error: nil,
                createdBy: nil, createdAt: Date(), updatedAt: Date())
            try await store.insert(refund, tenantID: tenantID, idempotencyKey: nil, requestHash: nil, on: connection, logger: logger)
            refunds.append(refund)
        }
        let previous = refund
        refund.razorpayRefundID = entity.id
        PaymentProgress.apply(event: event.event, to: &refund)
        if refund != previous {
            try await store.save(refund, tenantID: tenantID, on: connection, logger: logger)
            refunds[refunds.firstIndex { $0.id == refund.id }!] = refund
        }
        let before = payment
        PaymentProgress.settleRefunds(refunds, of: &payment)
        if payment != before {
            try await store.save(payment, on: connection, logger: logger)
            try await events.changed(payment, by: nil, on: connection, logger: logger)
        }
        return nil
    }
}

/// `razorpay_deliveries`: verified deliveries as received, until processed.
enum RazorpayDeliveryTable: DeliveryTable {
    static let name = "razorpay_deliveries"
}
