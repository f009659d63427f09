import Foundation
import Persistence
import PostgresNIO
import Testing

/// Two nodes working off one backlog of stored WhatsApp deliveries at once (both
/// nodes' polls find all of it): batches taken with SKIP LOCKED on both, new senders'
/// contacts raced for, and the one-at-a-time fallback when a batch loses that race.
@Suite("WhatsApp processing on two nodes", .serialized)
struct WhatsAppNodesTests {
    @Test("two nodes working off one backlog of 200 deliveries from 80 new senders apply each delivery once")
    func twoNodesOneBacklog() async throws {
        try await FaultCluster.with(agents: 2, customers: 0) { cluster in
            let tenantID = cluster.tenant.id
            // The tenant has no WhatsApp number set: every number's messages are its own.
            let bodies = (0..<200).map { n in
                WhatsAppWebhookBodies.text(
                    phoneNumberID: "106540352242922", from: "91985000\(1000 + n % 80)", wamid: "wamid.nodes\(n)", body: "N\(n)")
            }

            // act: stored three seconds ago, so the next poll of either node takes them
            try await WhatsAppWebhookTests.storeUnprocessed(bodies, tenantID: tenantID, database: cluster.database)

            // check
            let deadline = ContinuousClock.now + .seconds(30)
            while try await Self.count(cluster, "SELECT count(*) FROM whatsapp_deliveries WHERE processed_at IS NULL", tenantID) > 0 {
                try #require(ContinuousClock.now < deadline, "the backlog was not worked off in 30 s")
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await Self.count(cluster, "SELECT count(*) FROM messages", tenantID) == 200)
            #expect(try await Self.count(cluster, "SELECT count(DISTINCT provider_message_id) FROM messages", tenantID) == 200)
            #expect(try await Self.count(cluster, "SELECT count(*) FROM contacts WHERE source = 'whatsapp'", tenantID) == 80)
            #expect(try await Self.count(cluster, "SELECT count(*) FROM conversations", tenantID) == 80)
            #expect(try await Self.count(cluster, "SELECT count(*) FROM contact_timeline WHERE kind = 'created'", tenantID) == 80)
            #expect(try await Self.count(cluster, "SELECT count(*) FROM contact_timeline WHERE kind = 'message'", tenantID) == 200)
            #expect(try await Self.count(cluster, "SELECT count(*) FROM events WHERE type = 'chat.message'", tenantID) == 200)
            #expect(try await Self.count(cluster, "SELECT count(*) FROM whatsapp_deliveries WHERE last_error IS NOT NULL", tenantID) == 0)
        }
    }

    /// `sql`'s count in `tenantID` (through row-level security, as the tenant).
    static func count(_ cluster: FaultCluster, _ sql: String, _ tenantID: UUID) async throws -> Int {
        try await cluster.database.withTenant(tenantID, logger: FaultCluster.logger) { connection in
            for try await count in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: FaultCluster.logger).decode(Int64.self)
            {
                return Int(count)
            }
            return 0
        }
    }
}
