import Accounts
import Foundation
import Persistence
import Realtime
import Testing

/// Everyone of a fault cluster's tenant logged in, each customer with a portal
/// conversation, and resuming clients for everyone, all from one start event.
struct Floor: Sendable {
    struct Entry: Sendable {
        let person: CallsTests.Person
        let role: Role
        let first: Int
        let client: ResumingClient
    }

    let cluster: FaultCluster
    let clients: [Entry]
    let writers: [ChatLoad.Writer]
    let start: String

    /// `nodes`: where clients connect first, in turn; `onlyNode`: clients never leave it.
    /// `sse`: every third client uses SSE (HTTPClient.shared holds only a few
    /// connections per host, so the storm's hundreds of clients use WebSockets).
    static func open(
        _ cluster: FaultCluster, nodes: [Int], clientsPerPerson: Int = 1, onlyNode: Int? = nil, sse: Bool = true
    ) async throws -> Floor {
        let api = cluster.api(0)
        var people: [(CallsTests.Person, Role, String)] = [(cluster.tenant.owner, .owner, try await api.login(cluster.tenant, cluster.tenant.owner))]
        for agent in cluster.tenant.agents { people.append((agent, .agent, try await api.login(cluster.tenant, agent))) }
        var writers: [ChatLoad.Writer] = []
        for customer in cluster.tenant.customers {
            let token = try await api.login(cluster.tenant, customer)
            people.append((customer, .customer, token))
            let reply = try await api.send(.POST, "/v1/conversations", token: token, json: #"{"text":"Hello"}"#)
            try #require(reply.status == 201 || reply.status == 200, "POST /v1/conversations: \(reply.status) \(reply.body)")
            writers.append(ChatLoad.Writer(token: token, conversationID: try #require(reply.json["id"] as? String)))
        }
        let start = try await cluster.mark()
        FaultEnvironment.note("\(people.count) people logged in, \(writers.count) conversations; connecting")
        var clients: [Entry] = []
        for (index, (person, role, token)) in people.enumerated() {
            for copy in 0..<clientsPerPerson {
                let first = nodes[(index + copy) % nodes.count]
                let bases = onlyNode.map { [cluster.bases[$0]] } ?? cluster.bases
                let transport: RealtimeClient.Transport = sse && (index + copy) % 3 == 2 ? .serverSentEvents : .webSocket
                let client = ResumingClient(
                    token: token, bases: bases, first: onlyNode == nil ? first : 0, from: start, transport: transport)
                clients.append(Entry(person: person, role: role, first: first, client: client))
            }
        }
        return Floor(cluster: cluster, clients: clients, writers: writers, start: start)
    }

    /// Waits until every client has received a few chat messages.
    func waitUntilFlowing() async throws {
        let flowing = await Self.waitUntil(timeout: .seconds(60)) {
            clients.allSatisfy { entry in entry.client.events.filter { $0.type == "chat.message" }.count >= 3 }
        }
        let slowest = clients.map { $0.client.events.count }.min() ?? 0
        try #require(flowing, "events did not reach every client (the slowest has \(slowest))")
        FaultEnvironment.note("events flow to all \(clients.count) clients")
    }

    /// Every message a node acknowledged with 201 is in the database.
    func expectAcknowledgedKept(_ load: ChatLoad, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let acknowledged = Set(load.acknowledged)
        #expect(!acknowledged.isEmpty, "nothing was acknowledged", sourceLocation: sourceLocation)
        let ids = acknowledged.compactMap(UUID.init(uuidString:))
        #expect(ids.count == acknowledged.count, "message ids that are not UUIDs", sourceLocation: sourceLocation)
        let tenantID = cluster.tenant.id
        let kept = try await cluster.database.withTenant(tenantID, logger: FaultCluster.logger) { connection in
            let rows = try await connection.query("SELECT count(*)::int FROM messages WHERE id = ANY(\(ids))", logger: FaultCluster.logger)
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
        #expect(kept == ids.count, "\(ids.count - kept) of \(ids.count) acknowledged messages are missing", sourceLocation: sourceLocation)
    }

    /// Marks the end with one more event to everyone, waits until every client has it,
    /// and checks each client's stream up to it against the events table.
    func expectEveryStreamExact(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        FaultEnvironment.note("marking the end")
        let end = try await cluster.mark()
        let endPosition = try #require(EventPosition(end))
        let arrived = await Self.waitUntil(timeout: .seconds(60)) { clients.allSatisfy { $0.client.ids.contains(end) } }
        let missing = clients.filter { !$0.client.ids.contains(end) }.count
        #expect(arrived, "\(missing) of \(clients.count) clients never received the end event", sourceLocation: sourceLocation)
        for entry in clients { await entry.client.stop() }
        FaultEnvironment.note("clients stopped; comparing with the events table")

        var truth: [UUID: [String]] = [:]
        for entry in clients where truth[entry.person.id] == nil {
            truth[entry.person.id] = try await cluster.expectedIDs(entry.person, role: entry.role, after: start)
                .filter { EventPosition($0).map { $0 <= endPosition } ?? false }
        }
        for entry in clients {
            let received = entry.client.ids.filter { EventPosition($0).map { $0 <= endPosition } ?? true }
            RealtimeNodesTests.expectExactlyOnceInOrder(
                received, truth[entry.person.id] ?? [],
                "\(entry.person.name) (\(entry.client.transport), \(entry.client.connections) connections)",
                sourceLocation: sourceLocation)
            #expect(entry.client.malformed.isEmpty, "malformed: \(entry.client.malformed.prefix(3))", sourceLocation: sourceLocation)
        }
    }

    /// Every answer was a 201 or a 503 problem (or, from `killed`, none), within 6 s.
    static func expectAnsweredPromptly(_ load: ChatLoad, killed: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        let wrong = load.unexpected(allowingNoAnswerFrom: killed)
        #expect(wrong.isEmpty, "answers other than 201 or a 503 problem: \(wrong.prefix(10))", sourceLocation: sourceLocation)
        let slowest = load.all.filter { $0.node != killed }.map(\.took).max() ?? .zero
        #expect(slowest < .seconds(6), "a request took \(slowest)", sourceLocation: sourceLocation)
    }

    static func waitUntil(timeout: Duration, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }
}
