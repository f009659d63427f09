import Accounts
import Foundation
import Persistence
import Realtime
import Testing

/// The promises under faults, on two real nodes and a PostgreSQL cluster of the suite's
/// own (ops/faults starts it; the ordinary test run skips this suite): a killed node,
/// a restarted database, terminated connections and a reconnect storm, each while
/// portal customers write chat messages and every user's clients receive the events.
/// After each fault: every acknowledged message is in the database, every other
/// answer was a quick 503 problem (or, from a killed node, no answer), and every
/// client received every event meant for it exactly once, in order.
@Suite("Faults (ops/faults)", .serialized, .enabled(if: FaultEnvironment.isSet, "needs ops/faults' own PostgreSQL"))
struct FaultTests {
    @Test("SIGKILL of one of two nodes while events flow: every client ends with every event once, in order")
    func killOneNode() async throws {
        try await FaultCluster.with(agents: 3, customers: 20) { cluster in
            let floor = try await Floor.open(cluster, nodes: [0, 1])
            let load = ChatLoad(cluster, writers: floor.writers, nodes: [0, 1], interval: .milliseconds(300))
            try await floor.waitUntilFlowing()

            // act
            cluster.nodes[1].signal(SIGKILL)
            load.avoid(1)
            let moved = floor.clients.filter { $0.first == 1 }
            let resumed = await Floor.waitUntil(timeout: .seconds(30)) { moved.allSatisfy { $0.client.connections >= 2 } }
            #expect(resumed, "clients of the killed node did not all resume on the other one")
            try await Task.sleep(for: .seconds(2))
            await load.stop()

            Floor.expectAnsweredPromptly(load, killed: 1)
            try await floor.expectAcknowledgedKept(load)
            try await floor.expectEveryStreamExact()
        }
    }

    @Test("PostgreSQL restarted under load: 503 problems during the outage, back within 5 s, nothing acknowledged lost")
    func restartDatabase() async throws {
        try await FaultCluster.with(agents: 2, customers: 12) { cluster in
            let floor = try await Floor.open(cluster, nodes: [0, 1])
            let load = ChatLoad(cluster, writers: floor.writers, nodes: [0, 1], interval: .milliseconds(200))
            try await floor.waitUntilFlowing()

            // act: an immediate shutdown (what a crash looks like), 3 s down, then back
            let stoppedAt = ContinuousClock.now
            FaultEnvironment.note("stopping PostgreSQL")
            try await FaultEnvironment.postgres("stop")
            try await Task.sleep(for: .seconds(3))
            FaultEnvironment.note("starting PostgreSQL")
            try await FaultEnvironment.postgres("start")
            FaultEnvironment.note("PostgreSQL is back")
            let backAt = ContinuousClock.now
            try await Task.sleep(for: .seconds(7))
            await load.stop()
            FaultEnvironment.note("load stopped: \(load.all.count) answers, \(load.acknowledged.count) acknowledged")

            let duringOutage = load.all.filter { $0.sentAt > stoppedAt + .milliseconds(500) && $0.answeredAt < backAt }
            #expect(duringOutage.contains { $0.status == 503 }, "no 503 during the outage: \(duringOutage.count) answers")
            Floor.expectAnsweredPromptly(load)
            for node in 0..<2 {
                let first = try #require(load.firstAcknowledgement(after: backAt, node: node), "node \(node) never recovered")
                #expect(first - backAt <= .seconds(5), "node \(node) took \(first - backAt) to acknowledge a write again")
            }
            try await floor.expectAcknowledgedKept(load)
            try await floor.expectEveryStreamExact()
        }
    }

    @Test("PostgreSQL stopped while the nodes are idle: the first write gets its 503 at once, not after the lease timeout")
    func outageWhileIdle() async throws {
        try await FaultCluster.with(agents: 1, customers: 1) { cluster in
            let api = cluster.api(0)
            let customer = cluster.tenant.customers[0]
            let token = try await api.login(cluster.tenant, customer)
            let opened = try await api.send(.POST, "/v1/conversations", token: token, json: #"{"text":"Hello"}"#)
            let conversationID = try #require(opened.json["id"] as? String, "POST /v1/conversations: \(opened.status) \(opened.body)")
            func write() async throws -> (status: Int, took: Duration) {
                let sentAt = ContinuousClock.now
                let reply = try await api.send(
                    .POST, "/v1/conversations/\(conversationID)/messages", token: token,
                    json: #"{"text":"are you there?"}"#, headers: [("Idempotency-Key", UUID().uuidString)])
                return (reply.status, ContinuousClock.now - sentAt)
            }
            // No statement is running when the database goes: only the nodes' idle
            // connections (pooled and LISTEN) see it close.
            try await Task.sleep(for: .seconds(1))

            // act
            try await FaultEnvironment.postgres("stop")
            // Long enough for the pools to drop their closed connections and start
            // reconnecting: leases then wait for a connection that cannot come.
            try await Task.sleep(for: .seconds(2))
            // Started again whatever the write did: the next fault tests need it.
            let during: Result<(status: Int, took: Duration), any Error>
            do { during = .success(try await write()) } catch { during = .failure(error) }
            try await FaultEnvironment.postgres("start")
            let refused = try during.get()
            let backAt = ContinuousClock.now
            var after = try await write()
            while after.status != 201, ContinuousClock.now - backAt < .seconds(5) {
                try await Task.sleep(for: .milliseconds(100))
                after = try await write()
            }

            // The lease timeout is 5 s: an answer within 1.5 s means the node knew.
            #expect(refused.status == 503, "a write during the outage answered \(refused.status)")
            #expect(refused.took < .milliseconds(1_500), "the write during the outage took \(refused.took) to be refused")
            #expect(after.status == 201, "no write was acknowledged within 5 s of the database's return (last: \(after.status))")
        }
    }

    @Test("pg_terminate_backend of the nodes' LISTEN and pool connections: no event lost, nothing acknowledged lost")
    func terminateConnections() async throws {
        try await FaultCluster.with(agents: 2, customers: 12) { cluster in
            let floor = try await Floor.open(cluster, nodes: [0, 1])
            let load = ChatLoad(cluster, writers: floor.writers, nodes: [0, 1], interval: .milliseconds(200))
            try await floor.waitUntilFlowing()

            // act: twice, a couple of seconds apart
            for round in 1...2 {
                let terminated = try await cluster.terminateBackends()
                #expect(terminated >= 4, "round \(round): only \(terminated) connections terminated")
                try await Task.sleep(for: .seconds(2))
            }
            try await Task.sleep(for: .seconds(2))
            await load.stop()

            Floor.expectAnsweredPromptly(load)
            #expect(load.acknowledged.count > 20, "only \(load.acknowledged.count) writes acknowledged")
            try await floor.expectAcknowledgedKept(load)
            try await floor.expectEveryStreamExact()
        }
    }

    @Test("a reconnect storm: every client of a node reconnects at once with its resume id and has no gap")
    func reconnectStorm() async throws {
        try await FaultCluster.with(agents: 2, customers: 60) { cluster in
            let floor = try await Floor.open(cluster, nodes: [0], clientsPerPerson: 3, onlyNode: 0, sse: false)
            let load = ChatLoad(cluster, writers: floor.writers, nodes: [0, 1], interval: .seconds(1))
            try await floor.waitUntilFlowing()

            // act: two storms, every client of node 0 at once
            for storm in 1...2 {
                let before = floor.clients.map { $0.client.connections }
                for entry in floor.clients { entry.client.reconnect() }
                let back = await Floor.waitUntil(timeout: .seconds(30)) {
                    zip(floor.clients, before).allSatisfy { entry, count in entry.client.connections > count && entry.client.isConnected }
                }
                #expect(back, "storm \(storm): not every one of \(floor.clients.count) clients came back")
                try await Task.sleep(for: .seconds(1))
            }
            await load.stop()

            #expect(load.unexpected().isEmpty, "answers other than 201 or a 503 problem: \(load.unexpected().prefix(10))")
            try await floor.expectAcknowledgedKept(load)
            try await floor.expectEveryStreamExact()
        }
    }
}
