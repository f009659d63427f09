import Accounts
import AsyncHTTPClient
import Calls
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Persistence
import PostgresNIO
import Testing

/// Browser calls end to end: the real application over real sockets, agents made
/// reachable by real real-time connections, and the local LiveKit RoomService
/// stand-in checking every token the server signs.
///
/// Delivery through the real-time hub waits for the cluster-wide transaction
/// horizon (other tests hold transactions open), so event waits allow 15 s.
@Suite("Browser calls", .serialized)
struct CallsTests {
    static let logger: Logger = {
        var logger = Logger(label: "calls-tests")
        logger.logLevel = .error
        return logger
    }()

    // MARK: - Direct calls and the state machine

    @Test("a direct call rings, is accepted and ended, with events, room tokens and every illegal transition refused")
    func directCallStateMachine() async throws {
        try await Self.withCalls { app, standIn, api in
            let tenant = try await Self.seed(app.database, slug: "direct", agents: ["Dana Scully"], customers: 1)
            let agent = tenant.agents[0]
            let customer = tenant.customers[0]
            let ownerToken = try await api.login(tenant, tenant.owner)
            let agentToken = try await api.login(tenant, agent)
            let customerToken = try await api.login(tenant, customer)
            let agentLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: agentToken)
            let customerLive = try await RealtimeClient.connect(.serverSentEvents, baseURL: api.base, token: customerToken)
            try await api.waitUntilAvailable([agent.id], staffToken: ownerToken)

            // Ringing: the caller's response carries a join token for the call's room.
            let started = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(agent.id)"}"#)
            try #require(started.status == 201, "POST /v1/calls: \(started.status) \(started.body)")
            let call = started.json
            let callID = try #require(call["id"] as? String)
            let room = try #require(call["room"] as? String)
            #expect(call["status"] as? String == "ringing")
            #expect(call["strategy"] as? String == "direct")
            #expect(Self.uuid((call["caller"] as? [String: Any])?["id"]) == customer.id)
            #expect((call["caller"] as? [String: Any])?["type"] as? String == "customer")
            #expect(call["offers"] == nil, "customers must not see who was offered the call: \(started.body)")
            #expect(call["ringDeadline"] is String)
            #expect(started.headers.first(name: "location") == "/v1/calls/\(callID)")
            #expect(started.headers.first(name: "idempotent-replayed") == nil)
            let callerJoin = try #require(call["livekit"] as? [String: Any], "no livekit in \(started.body)")
            #expect(callerJoin["url"] as? String == standIn.url)
            let callerClaims = try Self.claims(try #require(callerJoin["token"] as? String), standIn: standIn)
            #expect(Self.uuid(callerClaims["sub"]) == customer.id)
            #expect(callerClaims["name"] as? String == customer.name)
            let callerGrant = try #require(callerClaims["video"] as? [String: Any])
            #expect(callerGrant["room"] as? String == room)
            #expect(callerGrant["roomJoin"] as? Bool == true)
            #expect(callerGrant["roomCreate"] == nil, "a participant token must not create rooms")
            #expect(standIn.rooms.contains(room), "the room was not created in the SFU: \(standIn.requests)")

            // The agent is rung, with the caller's name and the call id.
            let ringing = try #require(
                await Self.event(agentLive, "call.ringing", call: callID), "the agent never got call.ringing: \(agentLive.events)")
            let ringingCaller = ringing["caller"] as? [String: Any]
            #expect(ringingCaller?["name"] as? String == customer.name)
            #expect(Self.uuid(ringingCaller?["id"]) == customer.id)

            // Illegal while ringing.
            try await api.send(.POST, "/v1/calls/\(callID)/end", token: customerToken)
                .expectProblem(409, "call-state-conflict")
            try await api.send(.POST, "/v1/calls/\(callID)/cancel", token: agentToken).expectProblem(403, "forbidden")
            let declinedByCaller = try await api.send(.POST, "/v1/calls/\(callID)/decline", token: customerToken)
            #expect(
                [404, 409].contains(declinedByCaller.status), "decline by the caller: \(declinedByCaller.status) \(declinedByCaller.body)")
            #expect(declinedByCaller.headers.first(name: "content-type") == "application/problem+json")
            try await api.send(.POST, "/v1/calls/\(callID)/accept", token: ownerToken).expectProblem(404, "not-found")
            try await api.send(.POST, "/v1/calls/\(callID)/end", token: ownerToken).expectProblem(404, "not-found")
            try await api.send(.POST, "/v1/calls/\(callID)/accept", token: customerToken)
                .expectProblem(409, "call-state-conflict")
            #expect(try await api.send(.GET, "/v1/calls/\(callID)", token: customerToken).json["status"] as? String == "ringing")

            // Accepted: the agent joins the same room; the caller hears of it.
            let accepted = try await api.send(.POST, "/v1/calls/\(callID)/accept", token: agentToken)
            try #require(accepted.status == 200, "accept: \(accepted.status) \(accepted.body)")
            #expect(accepted.json["status"] as? String == "accepted")
            #expect(Self.uuid((accepted.json["callee"] as? [String: Any])?["id"]) == agent.id)
            #expect(accepted.json["answeredAt"] is String)
            let calleeJoin = try #require(accepted.json["livekit"] as? [String: Any], "no livekit in \(accepted.body)")
            let calleeClaims = try Self.claims(try #require(calleeJoin["token"] as? String), standIn: standIn)
            #expect(Self.uuid(calleeClaims["sub"]) == agent.id)
            #expect((calleeClaims["video"] as? [String: Any])?["room"] as? String == room)
            #expect((calleeClaims["video"] as? [String: Any])?["roomJoin"] as? Bool == true)
            let acceptedEvent = try #require(
                await Self.event(customerLive, "call.accepted", call: callID), "the caller never got call.accepted: \(customerLive.events)")
            #expect(Self.uuid((acceptedEvent["acceptedBy"] as? [String: Any])?["id"]) == agent.id)

            // Illegal once accepted.
            try await api.send(.POST, "/v1/calls/\(callID)/accept", token: agentToken).expectProblem(409, "call-state-conflict")
            try await api.send(.POST, "/v1/calls/\(callID)/cancel", token: customerToken).expectProblem(409, "call-state-conflict")
            try await api.send(.POST, "/v1/calls/\(callID)/decline", token: agentToken).expectProblem(409, "call-state-conflict")
            try await api.send(.POST, "/v1/calls/\(callID)/end", token: ownerToken).expectProblem(404, "not-found")

            // Ended by the agent, with a duration, for both.
            try await Task.sleep(for: .milliseconds(1600))
            let ended = try await api.send(.POST, "/v1/calls/\(callID)/end", token: agentToken)
            try #require(ended.status == 200, "end: \(ended.status) \(ended.body)")
            #expect(ended.json["status"] as? String == "ended")
            #expect(ended.json["endReason"] as? String == "completed")
            #expect(Self.uuid(ended.json["endedBy"]) == agent.id)
            #expect(ended.json["endedAt"] is String)
            let duration = try #require(ended.json["durationSeconds"] as? Int, "no durationSeconds: \(ended.body)")
            #expect((1...10).contains(duration), "durationSeconds \(duration) after about 1.6 s")
            try await api.send(.POST, "/v1/calls/\(callID)/end", token: customerToken).expectProblem(409, "call-state-conflict")
            try await api.send(.POST, "/v1/calls/\(callID)/end", token: agentToken).expectProblem(409, "call-state-conflict")
            for (who, live) in [("caller", customerLive), ("agent", agentLive)] {
                let endedEvent = await Self.event(live, "call.ended", call: callID)
                #expect(endedEvent != nil, "the \(who) never got call.ended: \(live.events)")
                #expect(Self.uuid(endedEvent?["endedBy"]) == agent.id)
                #expect(endedEvent?["durationSeconds"] as? Int == duration)
            }
            #expect(!standIn.rooms.contains(room), "ending did not delete the room")
            #expect(standIn.requests.contains { $0.method == "DeleteRoom" && $0.body["room"] == room })

            // The record as staff see it.
            let record = try await api.send(.GET, "/v1/calls/\(callID)", token: ownerToken)
            #expect(record.json["status"] as? String == "ended")
            let offers = try #require(record.json["offers"] as? [[String: Any]], "staff see offers: \(record.body)")
            #expect(offers.count == 1)
            #expect(Self.uuid(offers.first?["userId"]) == agent.id)
            #expect(offers.first?["state"] as? String == "accepted")

            await agentLive.close()
            await customerLive.close()
        }
    }

    @Test("staff call a customer, who may decline or accept; each role must use its own target field")
    func staffCallsCustomer() async throws {
        try await Self.withCalls { app, standIn, api in
            let tenant = try await Self.seed(app.database, slug: "outbound", agents: ["Jane Agent"], customers: 1)
            let agent = tenant.agents[0]
            let customer = tenant.customers[0]
            let ownerToken = try await api.login(tenant, tenant.owner)
            let agentToken = try await api.login(tenant, agent)
            let customerToken = try await api.login(tenant, customer)
            let agentLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: agentToken)
            let customerLive = try await RealtimeClient.connect(.serverSentEvents, baseURL: api.base, token: customerToken)
            try await api.waitUntilAvailable([agent.id], staffToken: ownerToken)

            try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"customerId":"\#(customer.id)"}"#)
                .expectProblem(403, "forbidden")
            try await api.send(.POST, "/v1/calls", token: agentToken, json: #"{"agentId":"\#(agent.id)"}"#).expectProblem(403, "forbidden")
            try await api.send(.POST, "/v1/calls", token: agentToken, json: #"{"customerId":"\#(tenant.owner.id)"}"#)
                .expectProblem(404, "not-found")
            try await api.send(.POST, "/v1/calls", token: agentToken, json: "{}").expectProblem(422, "validation-failed")
            #expect(standIn.requests.isEmpty, "refused requests must not create rooms: \(standIn.requests)")

            // Declined by the customer.
            let first = try await api.send(.POST, "/v1/calls", token: agentToken, json: #"{"customerId":"\#(customer.id)"}"#)
            try #require(first.status == 201, "POST /v1/calls: \(first.status) \(first.body)")
            let firstID = try #require(first.json["id"] as? String)
            let firstRoom = try #require(first.json["room"] as? String)
            #expect((first.json["caller"] as? [String: Any])?["type"] as? String == "staff")
            #expect(((first.json["offers"] as? [[String: Any]]) ?? []).compactMap { Self.uuid($0["userId"]) } == [customer.id])
            let ringing = await Self.event(customerLive, "call.ringing", call: firstID)
            #expect(
                (ringing?["caller"] as? [String: Any])?["name"] as? String == agent.name, "customer's call.ringing: \(customerLive.events)")
            let declined = try await api.send(.POST, "/v1/calls/\(firstID)/decline", token: customerToken)
            try #require(declined.status == 200, "decline: \(declined.status) \(declined.body)")
            #expect(declined.json["status"] as? String == "declined")
            #expect(declined.json["endReason"] as? String == "declined")
            let declinedEvent = await Self.event(agentLive, "call.declined", call: firstID)
            #expect(Self.uuid(declinedEvent?["declinedBy"]) == customer.id, "the caller never got call.declined: \(agentLive.events)")
            #expect(!standIn.rooms.contains(firstRoom), "declining did not delete the room")
            try await api.send(.POST, "/v1/calls/\(firstID)/accept", token: customerToken).expectProblem(409, "call-state-conflict")

            // Accepted by the customer: the staff caller is busy until the end.
            let second = try await api.send(.POST, "/v1/calls", token: agentToken, json: #"{"customerId":"\#(customer.id)"}"#)
            try #require(second.status == 201, "POST /v1/calls: \(second.status) \(second.body)")
            let secondID = try #require(second.json["id"] as? String)
            let accepted = try await api.send(.POST, "/v1/calls/\(secondID)/accept", token: customerToken)
            try #require(accepted.status == 200, "accept: \(accepted.status) \(accepted.body)")
            #expect(accepted.json["offers"] == nil, "customers must not see offers")
            let join = try #require((accepted.json["livekit"] as? [String: Any])?["token"] as? String)
            let claims = try Self.claims(join, standIn: standIn)
            #expect(Self.uuid(claims["sub"]) == customer.id)
            #expect((claims["video"] as? [String: Any])?["room"] as? String == second.json["room"] as? String)
            #expect(await Self.event(agentLive, "call.accepted", call: secondID) != nil, "the caller never got call.accepted")
            func agentStatus() async throws -> String? {
                let reply = try await api.send(.GET, "/v1/presence", token: ownerToken)
                return ((reply.json["items"] as? [[String: Any]]) ?? []).first { Self.uuid($0["userId"]) == agent.id }?["status"] as? String
            }
            #expect(try await agentStatus() == "busy")
            let ended = try await api.send(.POST, "/v1/calls/\(secondID)/end", token: customerToken)
            try #require(ended.status == 200, "end: \(ended.status) \(ended.body)")
            #expect(Self.uuid(ended.json["endedBy"]) == customer.id)
            #expect(await Self.event(agentLive, "call.ended", call: secondID) != nil, "the caller never got call.ended")
            #expect(try await agentStatus() == "available")

            await agentLive.close()
            await customerLive.close()
        }
    }

    @Test("an agent whose own outgoing call is ringing is not rung for another call")
    func ringingCallerIsNotRung() async throws {
        try await Self.withCalls { app, _, api in
            let tenant = try await Self.seed(app.database, slug: "dialling", agents: ["Ada Dialer", "Bo Free"], customers: 2)
            let (dialer, free) = (tenant.agents[0], tenant.agents[1])
            let ownerToken = try await api.login(tenant, tenant.owner)
            let dialerToken = try await api.login(tenant, dialer)
            let dialerLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: dialerToken)
            let freeLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: try await api.login(tenant, free))
            try await api.waitUntilAvailable([dialer.id, free.id], staffToken: ownerToken)

            // The dialer's call to the first customer rings (nobody answers yet).
            let outgoing = try await api.send(.POST, "/v1/calls", token: dialerToken, json: #"{"customerId":"\#(tenant.customers[0].id)"}"#)
            try #require(outgoing.status == 201, "POST /v1/calls: \(outgoing.status) \(outgoing.body)")

            // The second customer rings everyone: only the free agent.
            let customerToken = try await api.login(tenant, tenant.customers[1])
            let incoming = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"strategy":"ring-all"}"#)
            try #require(incoming.status == 201, "POST /v1/calls: \(incoming.status) \(incoming.body)")
            let incomingID = try #require(incoming.json["id"] as? String)
            let offered = try await api.send(.GET, "/v1/calls/\(incomingID)", token: ownerToken)
            let rung = ((offered.json["offers"] as? [[String: Any]]) ?? []).compactMap { Self.uuid($0["userId"]) }
            #expect(rung == [free.id], "rung: \(rung.map(tenant.name))")
            #expect(await Self.event(freeLive, "call.ringing", call: incomingID) != nil)
            #expect(!dialerLive.events.contains { Self.matches($0, "call.ringing", call: incomingID) })

            await dialerLive.close()
            await freeLive.close()
        }
    }

    @Test("owners and admins follow every change of every call as call.updated; agents and customers outside it do not")
    func liveBoard() async throws {
        try await Self.withCalls { app, _, api in
            let tenant = try await Self.seed(app.database, slug: "board", agents: ["Ana Taker", "Ben Bystander"], customers: 2)
            let (taker, bystander) = (tenant.agents[0], tenant.agents[1])
            let ownerToken = try await api.login(tenant, tenant.owner)
            let customerToken = try await api.login(tenant, tenant.customers[0])
            let takerToken = try await api.login(tenant, taker)
            let board = try await RealtimeClient.connect(.serverSentEvents, baseURL: api.base, token: ownerToken)
            let takerLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: takerToken)
            let bystanderLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: try await api.login(tenant, bystander))
            let otherCustomer = try await RealtimeClient.connect(
                .serverSentEvents, baseURL: api.base, token: try await api.login(tenant, tenant.customers[1]))
            // Another tenant's owner watches their own board.
            let otherTenant = try await Self.seed(app.database, slug: "board-other", agents: [], customers: 0)
            let otherBoard = try await RealtimeClient.connect(
                .serverSentEvents, baseURL: api.base, token: try await api.login(otherTenant, otherTenant.owner))
            try await api.waitUntilAvailable([taker.id, bystander.id], staffToken: ownerToken)

            // act: ring one agent, accept, end
            let created = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(taker.id)"}"#)
            try #require(created.status == 201, "POST /v1/calls: \(created.status) \(created.body)")
            let callID = try #require(created.json["id"] as? String)
            try #require(try await api.send(.POST, "/v1/calls/\(callID)/accept", token: takerToken).status == 200)
            try #require(try await api.send(.POST, "/v1/calls/\(callID)/end", token: customerToken).status == 200)

            // check: the board saw each change once, in order, with the state after it
            func updates(_ client: RealtimeSubscription) -> [[String: Any]] {
                client.events.filter { $0.type == "call.updated" }.map(\.object).filter { $0["callId"] as? String == callID }
            }
            let arrived = await board.recorder.wait { _ in updates(board).count >= 3 }
            #expect(arrived, "board got \(updates(board).count) updates: \(board.events.map(\.type))")
            let seen = updates(board)
            #expect(seen.compactMap { $0["change"] as? String } == ["call.ringing", "call.accepted", "call.ended"], "\(seen)")
            #expect(seen.compactMap { $0["status"] as? String } == ["ringing", "accepted", "ended"])
            #expect(seen.first.flatMap { ($0["ringing"] as? [String])?.compactMap(UUID.init(uuidString:)) } == [taker.id])
            #expect(Self.uuid((seen.last?["callee"] as? [String: Any])?["id"]) == taker.id)
            #expect(seen.last?["durationSeconds"] is Int)

            // check: nobody outside the call, and no agent, got any of it
            _ = await takerLive.recorder.waitForEvents(1, type: "call.ended")
            for (label, client) in [
                ("taker", takerLive), ("bystander", bystanderLive), ("other customer", otherCustomer), ("other tenant's owner", otherBoard),
            ] {
                #expect(updates(client).isEmpty, "\(label) got the board's updates")
            }
            #expect(!otherBoard.events.contains { $0.object["callId"] as? String == callID }, "another tenant heard of the call")
            #expect(!bystanderLive.events.contains { $0.object["callId"] as? String == callID }, "the bystander heard of the call")
            #expect(!otherCustomer.events.contains { $0.object["callId"] as? String == callID }, "another customer heard of the call")

            for client in [board, takerLive, bystanderLive, otherCustomer, otherBoard] { await client.close() }
        }
    }

    // MARK: - Ring-all

    @Test("ring-all to 20 agents: 20 concurrent accepts, exactly one wins, the other 19 are answered elsewhere")
    func ringAllFirstAcceptWins() async throws {
        try await Self.withCalls { app, standIn, api in
            let names = (1...20).map { String(format: "Agent %02d", $0) }
            let tenant = try await Self.seed(app.database, slug: "ringall", agents: names, customers: 1)
            let customer = tenant.customers[0]
            let ownerToken = try await api.login(tenant, tenant.owner)
            let customerToken = try await api.login(tenant, customer)
            var tokens: [UUID: String] = [:]
            for agent in tenant.agents { tokens[agent.id] = try await api.login(tenant, agent) }
            var lives: [UUID: RealtimeSubscription] = [:]
            for agent in tenant.agents {
                lives[agent.id] = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: tokens[agent.id]!)
            }
            let customerLive = try await RealtimeClient.connect(.serverSentEvents, baseURL: api.base, token: customerToken)
            try await api.waitUntilAvailable(tenant.agents.map(\.id), staffToken: ownerToken)

            let started = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"strategy":"ring-all"}"#)
            try #require(started.status == 201, "POST /v1/calls: \(started.status) \(started.body)")
            #expect(started.json["strategy"] as? String == "ring-all")
            let callID = try #require(started.json["id"] as? String)
            let ringingRecord = try await api.send(.GET, "/v1/calls/\(callID)", token: ownerToken)
            let rung = Set(((ringingRecord.json["offers"] as? [[String: Any]]) ?? []).compactMap { Self.uuid($0["userId"]) })
            #expect(rung == Set(tenant.agents.map(\.id)), "ring-all must ring all 20 agents: \(ringingRecord.body)")
            for agent in tenant.agents {
                let ringing = await Self.event(lives[agent.id]!, "call.ringing", call: callID)
                #expect(ringing != nil, "\(agent.name) never got call.ringing")
            }

            // 20 accepts at once, each over its own connection.
            let frozenTokens = tokens
            let results = try await withThrowingTaskGroup(of: (UUID, CallAPI.Reply).self) { group in
                for agent in tenant.agents {
                    let token = frozenTokens[agent.id]!
                    group.addTask { (agent.id, try await api.send(.POST, "/v1/calls/\(callID)/accept", token: token)) }
                }
                var results: [UUID: CallAPI.Reply] = [:]
                for try await (id, reply) in group { results[id] = reply }
                return results
            }
            let winners = results.filter { $0.value.status == 200 }
            let losers = results.filter { $0.value.status == 409 }
            #expect(winners.count == 1, "exactly one accept must win: \(results.mapValues(\.status))")
            #expect(losers.count == 19, "the other 19 must get 409: \(results.mapValues(\.status))")
            for (_, reply) in losers { reply.expectProblem(409, "call-state-conflict") }
            let (winner, winnerReply) = try #require(winners.first)
            #expect(Self.uuid((winnerReply.json["callee"] as? [String: Any])?["id"]) == winner)
            let winnerToken = try #require((winnerReply.json["livekit"] as? [String: Any])?["token"] as? String)
            #expect(Self.uuid(try Self.claims(winnerToken, standIn: standIn)["sub"]) == winner)

            // Every loser hears who took it; the caller hears it was accepted.
            for (loser, _) in losers {
                let event = await Self.event(lives[loser]!, "call.answered_elsewhere", call: callID)
                #expect(event != nil, "agent \(loser) never got call.answered_elsewhere: \(lives[loser]!.events.map(\.type))")
                #expect(Self.uuid((event?["acceptedBy"] as? [String: Any])?["id"]) == winner)
            }
            let acceptedEvent = await Self.event(customerLive, "call.accepted", call: callID)
            #expect(Self.uuid((acceptedEvent?["acceptedBy"] as? [String: Any])?["id"]) == winner)
            #expect(!(lives[winner]!.events.contains { Self.matches($0, "call.answered_elsewhere", call: callID) }))

            let record = try await api.send(.GET, "/v1/calls/\(callID)", token: ownerToken)
            #expect(record.json["status"] as? String == "accepted")
            #expect(Self.uuid((record.json["callee"] as? [String: Any])?["id"]) == winner)
            let offers = (record.json["offers"] as? [[String: Any]]) ?? []
            #expect(offers.count == 20)
            let accepted = offers.filter { $0["state"] as? String == "accepted" }
            #expect(accepted.count == 1 && Self.uuid(accepted.first?["userId"]) == winner, "offers: \(record.body)")
            #expect(offers.filter { $0["state"] as? String == "answered-elsewhere" }.count == 19, "offers: \(record.body)")

            for live in lives.values { await live.close() }
            await customerLive.close()
        }
    }

    @Test("concurrent set-ups never ring an agent twice: three customers calling one agent, direct calls to others and a ring-all at once")
    func concurrentSetUpsRingEachAgentOnce() async throws {
        try await Self.withCalls { app, _, api in
            let tenant = try await Self.seed(app.database, slug: "crowd", agents: ["Agent A", "Agent B", "Agent C"], customers: 6)
            let ownerToken = try await api.login(tenant, tenant.owner)
            var lives: [RealtimeSubscription] = []
            for agent in tenant.agents {
                lives.append(try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: try await api.login(tenant, agent)))
            }
            try await api.waitUntilAvailable(tenant.agents.map(\.id), staffToken: ownerToken)
            var requests: [(token: String, body: String)] = []
            for customer in tenant.customers[0..<3] {
                requests.append((try await api.login(tenant, customer), #"{"agentId":"\#(tenant.agents[0].id)"}"#))
            }
            requests.append((try await api.login(tenant, tenant.customers[3]), #"{"agentId":"\#(tenant.agents[1].id)"}"#))
            requests.append((try await api.login(tenant, tenant.customers[4]), #"{"agentId":"\#(tenant.agents[2].id)"}"#))
            requests.append((try await api.login(tenant, tenant.customers[5]), #"{"strategy":"ring-all"}"#))

            // act: all six at once
            let frozen = requests
            let replies = try await withThrowingTaskGroup(of: CallAPI.Reply.self) { group in
                for request in frozen {
                    group.addTask { try await api.send(.POST, "/v1/calls", token: request.token, json: request.body) }
                }
                var replies: [CallAPI.Reply] = []
                for try await reply in group { replies.append(reply) }
                return replies
            }

            // check: whoever locked first got each agent; everyone else was told nobody is free
            for reply in replies where reply.status != 201 { reply.expectProblem(409, "no-agent-available") }
            let ringing = try await app.database.withTenant(tenant.id, logger: Self.logger) { connection in
                var counts: [UUID: Int] = [:]
                let rows = try await connection.query(
                    """
                    SELECT o.user_id, count(*) FROM call_offers o JOIN calls c ON c.id = o.call_id
                    WHERE o.tenant_id = \(tenant.id) AND o.state = 'ringing' AND c.status = 'ringing' GROUP BY o.user_id
                    """, logger: Self.logger)
                for try await (user, count) in rows.decode((UUID, Int).self) { counts[user] = count }
                return counts
            }
            #expect(ringing == Dictionary(uniqueKeysWithValues: tenant.agents.map { ($0.id, 1) }), "ringing offers per agent: \(ringing)")
            let ringingCalls = try await app.database.withTenant(tenant.id, logger: Self.logger) { connection in
                let rows = try await connection.query(
                    "SELECT count(*) FROM calls WHERE tenant_id = \(tenant.id) AND status = 'ringing'", logger: Self.logger)
                var count = 0
                for try await value in rows.decode(Int.self) { count = value }
                return count
            }
            #expect(replies.filter { $0.status == 201 }.count == ringingCalls, "\(replies.map(\.status))")
            for live in lives { await live.close() }
        }
    }

    // MARK: - Round robin

    @Test("round robin rings the least recently offered agent, moves on at each decline, and misses when nobody is left")
    func roundRobin() async throws {
        try await Self.withCalls { app, _, api in
            let tenant = try await Self.seed(app.database, slug: "robin", agents: ["Agent 01", "Agent 02", "Agent 03"], customers: 1)
            let (a, b, c) = (tenant.agents[0], tenant.agents[1], tenant.agents[2])
            let customer = tenant.customers[0]
            let ownerToken = try await api.login(tenant, tenant.owner)
            let customerToken = try await api.login(tenant, customer)
            var tokens: [UUID: String] = [:]
            var lives: [UUID: RealtimeSubscription] = [:]
            for agent in tenant.agents {
                tokens[agent.id] = try await api.login(tenant, agent)
                lives[agent.id] = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: tokens[agent.id]!)
            }
            let customerLive = try await RealtimeClient.connect(.serverSentEvents, baseURL: api.base, token: customerToken)
            try await api.waitUntilAvailable(tenant.agents.map(\.id), staffToken: ownerToken)

            /// The offers of a call as staff see them: user → state, in offer order.
            func offers(_ callID: String) async throws -> [(UUID, String)] {
                let record = try await api.send(.GET, "/v1/calls/\(callID)", token: ownerToken)
                return ((record.json["offers"] as? [[String: Any]]) ?? []).compactMap { offer in
                    Self.uuid(offer["userId"]).map { ($0, offer["state"] as? String ?? "") }
                }
            }
            func ringingUser(_ callID: String) async throws -> UUID? {
                try await offers(callID).filter { $0.1 == "ringing" }.map(\.0).first
            }
            func startRoundRobin() async throws -> String {
                let started = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"strategy":"round-robin"}"#)
                try #require(started.status == 201, "POST /v1/calls: \(started.status) \(started.body)")
                #expect(started.json["strategy"] as? String == "round-robin")
                return try #require(started.json["id"] as? String)
            }

            // Call 1: nobody was offered anything yet, so 01, then 02, then 03 at each decline.
            let first = try await startRoundRobin()
            for (index, agent) in [a, b, c].enumerated() {
                let current = try await offers(first)
                let ringingNow = current.filter { $0.1 == "ringing" }.map(\.0)
                #expect(
                    ringingNow == [agent.id], "call 1 step \(index): ringing \(ringingNow.map { tenant.name($0) }), expected \(agent.name)")
                let ringing = await Self.event(lives[agent.id]!, "call.ringing", call: first)
                #expect(ringing != nil, "\(agent.name) never got call.ringing for call 1")
                let declined = try await api.send(.POST, "/v1/calls/\(first)/decline", token: tokens[agent.id]!)
                try #require(declined.status == 200, "decline by \(agent.name): \(declined.status) \(declined.body)")
                #expect(declined.json["status"] as? String == (agent.id == c.id ? "missed" : "ringing"))
            }
            let missed = try await api.send(.GET, "/v1/calls/\(first)", token: customerToken)
            #expect(missed.json["status"] as? String == "missed")
            #expect(missed.json["endReason"] as? String == "no-agents")
            #expect(try await offers(first).map(\.1) == ["declined", "declined", "declined"])
            #expect(await Self.event(customerLive, "call.missed", call: first) != nil, "the caller never got call.missed")
            // Nobody was rung twice.
            for agent in tenant.agents {
                #expect(lives[agent.id]!.events.filter { Self.matches($0, "call.ringing", call: first) }.count == 1)
            }

            // A direct call to 01 makes 01 the most recently offered: order is now 02, 03, 01.
            let direct = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(a.id)"}"#)
            try #require(direct.status == 201, "direct call to 01: \(direct.status) \(direct.body)")
            let directID = try #require(direct.json["id"] as? String)
            try #require(try await api.send(.POST, "/v1/calls/\(directID)/cancel", token: customerToken).status == 200)

            // Consecutive calls go to the least recently offered, not the first by name.
            for (index, expected) in [b, c, a].enumerated() {
                let callID = try await startRoundRobin()
                let ringing = try await ringingUser(callID)
                #expect(ringing == expected.id, "call \(index + 2) rang \(tenant.name(ringing)), expected \(expected.name)")
                #expect(await Self.event(lives[expected.id]!, "call.ringing", call: callID) != nil)
                let cancelled = try await api.send(.POST, "/v1/calls/\(callID)/cancel", token: customerToken)
                try #require(cancelled.status == 200, "cancel: \(cancelled.status) \(cancelled.body)")
                #expect(cancelled.json["status"] as? String == "cancelled")
                #expect(try await offers(callID).map(\.1) == ["cancelled"])
            }

            for live in lives.values { await live.close() }
            await customerLive.close()
        }
    }

    // MARK: - Ring timeout

    @Test("an unanswered call is missed at calls.ringTimeoutSeconds, with call.missed to caller and agent")
    func ringTimeout() async throws {
        try await Self.withCalls { app, standIn, api in
            let tenant = try await Self.seed(app.database, slug: "timeout", agents: ["Fox Mulder"], customers: 1)
            let agent = tenant.agents[0]
            let customer = tenant.customers[0]
            let ownerToken = try await api.login(tenant, tenant.owner)
            let agentToken = try await api.login(tenant, agent)
            let customerToken = try await api.login(tenant, customer)

            try await api.send(.PATCH, "/v1/settings", token: ownerToken, json: #"{"calls":{"ringTimeoutSeconds":4}}"#)
                .expectProblem(422, "validation-failed")
            let patched = try await api.send(.PATCH, "/v1/settings", token: ownerToken, json: #"{"calls":{"ringTimeoutSeconds":5}}"#)
            try #require(patched.status == 200, "PATCH /v1/settings: \(patched.status) \(patched.body)")

            let agentLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: agentToken)
            let customerLive = try await RealtimeClient.connect(.serverSentEvents, baseURL: api.base, token: customerToken)
            try await api.waitUntilAvailable([agent.id], staffToken: ownerToken)

            let startedAt = ContinuousClock.now
            let started = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(agent.id)"}"#)
            try #require(started.status == 201, "POST /v1/calls: \(started.status) \(started.body)")
            let callID = try #require(started.json["id"] as? String)
            let room = try #require(started.json["room"] as? String)
            let created = try #require(Self.date(started.json["createdAt"]))
            let deadline = try #require(Self.date(started.json["ringDeadline"]))
            #expect(abs(deadline.timeIntervalSince(created) - 5) <= 1, "ringDeadline \(deadline) for createdAt \(created)")

            let status = try await api.waitForStatus(callID, token: customerToken, leaving: "ringing", timeout: .seconds(20))
            let elapsed = ContinuousClock.now - startedAt
            #expect(status.json["status"] as? String == "missed", "\(status.body)")
            #expect(status.json["endReason"] as? String == "missed")
            #expect(elapsed >= .milliseconds(4500) && elapsed <= .seconds(10), "missed after \(elapsed), expected about 5–8 s")

            let callerMissed = await Self.event(customerLive, "call.missed", call: callID)
            #expect(callerMissed != nil, "the caller never got call.missed: \(customerLive.events)")
            #expect(await Self.event(agentLive, "call.missed", call: callID) != nil, "the agent never got call.missed: \(agentLive.events)")
            let record = try await api.send(.GET, "/v1/calls/\(callID)", token: ownerToken)
            #expect(((record.json["offers"] as? [[String: Any]]) ?? []).map { $0["state"] as? String } == ["missed"])
            #expect(await Self.eventually { !standIn.rooms.contains(room) }, "the missed call's room was not deleted")
            try await api.send(.POST, "/v1/calls/\(callID)/accept", token: agentToken).expectProblem(409, "call-state-conflict")

            await agentLive.close()
            await customerLive.close()
        }
    }

    @Test("a ringing call is missed by another node after the node that created it was killed", .timeLimit(.minutes(2)))
    func deadlineEnforcedByAnotherNode() async throws {
        try await LiveKitStandIn().run { standIn in
            let url = try await TestDatabases.shared.fresh()
            var environment = serverEnvironment(url)  // one JWT secret: a token works on both nodes
            environment["SWITCHBOARD_DB_MAX_CONNECTIONS"] = "6"
            environment["LIVEKIT_URL"] = standIn.url
            environment["LIVEKIT_API_KEY"] = standIn.apiKey
            environment["LIVEKIT_API_SECRET"] = standIn.apiSecret
            var started: [SwitchboardProcess] = []
            func cleanUp() async {
                for process in started {
                    process.signal(SIGKILL)
                    _ = try? await process.waitForExit(timeout: .seconds(10))
                }
                await TestDatabases.shared.drop(url)
            }
            do {
                let (nodeA, a) = try await SwitchboardProcess.serve(environment: environment)
                started.append(nodeA)
                let (nodeB, b) = try await SwitchboardProcess.serve(environment: environment)
                started.append(nodeB)
                let tenant = try await Database.withPool(url: url, logger: Self.logger) { database in
                    try await Self.seed(database, slug: "nodes", agents: ["Walter Skinner"], customers: 1)
                }
                let agent = tenant.agents[0]
                let customer = tenant.customers[0]
                let apiA = CallAPI(base: a)
                let apiB = CallAPI(base: b)
                let ownerToken = try await apiA.login(tenant, tenant.owner)
                let agentToken = try await apiA.login(tenant, agent)
                let customerToken = try await apiA.login(tenant, customer)
                let patched = try await apiA.send(
                    .PATCH, "/v1/settings", token: ownerToken, json: #"{"calls":{"ringTimeoutSeconds":5}}"#)
                try #require(patched.status == 200, "PATCH /v1/settings: \(patched.status) \(patched.body)")

                // Both parties listen on B; the call is made through A.
                let agentLive = try await RealtimeClient.connect(.webSocket, baseURL: b, token: agentToken)
                let customerLive = try await RealtimeClient.connect(.serverSentEvents, baseURL: b, token: customerToken)
                try await apiA.waitUntilAvailable([agent.id], staffToken: ownerToken)

                let startedAt = ContinuousClock.now
                let call = try await apiA.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(agent.id)"}"#)
                try #require(call.status == 201, "POST /v1/calls on A: \(call.status) \(call.body)")
                nodeA.signal(SIGKILL)
                let callID = try #require(call.json["id"] as? String)
                let room = try #require(call.json["room"] as? String)
                #expect(standIn.rooms.contains(room))
                #expect(try await nodeA.waitForExit(timeout: .seconds(10)) != nil, "node A did not die")
                #expect(try await apiB.send(.GET, "/v1/calls/\(callID)", token: customerToken).json["status"] as? String == "ringing")

                let status = try await apiB.waitForStatus(callID, token: customerToken, leaving: "ringing", timeout: .seconds(25))
                let elapsed = ContinuousClock.now - startedAt
                #expect(status.json["status"] as? String == "missed", "\(status.body)")
                #expect(status.json["endReason"] as? String == "missed")
                #expect(elapsed >= .milliseconds(4500) && elapsed <= .seconds(12), "node B missed the call after \(elapsed)")
                #expect(await Self.event(customerLive, "call.missed", call: callID) != nil, "the caller on B never got call.missed")
                #expect(await Self.event(agentLive, "call.missed", call: callID) != nil, "the agent on B never got call.missed")
                #expect(await Self.eventually { !standIn.rooms.contains(room) }, "node B did not delete the missed call's room")

                await agentLive.close()
                await customerLive.close()
            } catch {
                Issue.record("two-node test failed: \(String(reflecting: error))")
                await cleanUp()
                throw error
            }
            await cleanUp()
        }
    }

    // MARK: - RoomService

    @Test("the call's room is created with an empty timeout and deleted at the end; a failing SFU answers 502 and records nothing")
    func roomService() async throws {
        try await Self.withCalls { app, standIn, api in
            let tenant = try await Self.seed(app.database, slug: "rooms", agents: ["John Doggett"], customers: 1)
            let agent = tenant.agents[0]
            let customer = tenant.customers[0]
            let ownerToken = try await api.login(tenant, tenant.owner)
            let agentToken = try await api.login(tenant, agent)
            let customerToken = try await api.login(tenant, customer)
            let agentLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: agentToken)
            try await api.waitUntilAvailable([agent.id], staffToken: ownerToken)

            // A broken SFU: nothing is created, nobody rings.
            standIn.fail(true)
            let refused = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(agent.id)"}"#)
            refused.expectProblem(502, "sfu-unavailable")
            for token in [customerToken, ownerToken] {
                let list = try await api.send(.GET, "/v1/calls", token: token)
                #expect(list.status == 200)
                #expect((list.json["items"] as? [Any])?.isEmpty == true, "a call row exists after the SFU failed: \(list.body)")
            }
            #expect(standIn.rooms.isEmpty)
            standIn.fail(false)

            // A working SFU: CreateRoom with the empty timeout (ring timeout + 60 s), two participants.
            let started = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(agent.id)"}"#)
            try #require(started.status == 201, "POST /v1/calls: \(started.status) \(started.body)")
            let callID = try #require(started.json["id"] as? String)
            let room = try #require(started.json["room"] as? String)
            let create = try #require(
                standIn.requests.first { $0.method == "CreateRoom" && $0.body["name"] == room }, "\(standIn.requests)")
            #expect(create.body["empty_timeout"] == "90", "CreateRoom: \(create.body)")
            #expect(create.body["max_participants"] == "2", "CreateRoom: \(create.body)")
            #expect(standIn.rooms == [room])
            let ringing = await Self.event(agentLive, "call.ringing", call: callID)
            #expect(ringing != nil)
            #expect(agentLive.events.filter { $0.type == "call.ringing" }.count == 1, "the refused call rang: \(agentLive.events)")

            try #require(try await api.send(.POST, "/v1/calls/\(callID)/accept", token: agentToken).status == 200)
            #expect(standIn.rooms == [room], "accepting must keep the room")
            let ended = try await api.send(.POST, "/v1/calls/\(callID)/end", token: customerToken)
            try #require(ended.status == 200, "end: \(ended.status) \(ended.body)")
            #expect(standIn.rooms.isEmpty, "ending did not delete the room")
            #expect(standIn.requests.filter { $0.method == "DeleteRoom" && $0.body["room"] == room }.count == 1)

            // A cancelled call's room goes too.
            let second = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(agent.id)"}"#)
            try #require(second.status == 201, "second call: \(second.status) \(second.body)")
            let secondID = try #require(second.json["id"] as? String)
            #expect(standIn.rooms.count == 1)
            try #require(try await api.send(.POST, "/v1/calls/\(secondID)/cancel", token: customerToken).status == 200)
            #expect(standIn.rooms.isEmpty, "cancelling did not delete the room")
            #expect(await Self.event(agentLive, "call.cancelled", call: secondID) != nil, "the agent never got call.cancelled")

            await agentLive.close()
        }
    }

    // MARK: - Nobody to ring

    @Test("with no reachable available agent the call answers 409 no-agent-available and is recorded as missed")
    func noReachableAgent() async throws {
        try await Self.withCalls { app, standIn, api in
            let tenant = try await Self.seed(app.database, slug: "nobody", agents: ["Monica Reyes"], customers: 1)
            let agent = tenant.agents[0]
            let customer = tenant.customers[0]
            let ownerToken = try await api.login(tenant, tenant.owner)
            let agentToken = try await api.login(tenant, agent)
            let customerToken = try await api.login(tenant, customer)
            let customerLive = try await RealtimeClient.connect(.serverSentEvents, baseURL: api.base, token: customerToken)

            // Not connected.
            let offline = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(agent.id)"}"#)
            let problem = offline.expectProblem(409, "no-agent-available")
            let list = try await api.send(.GET, "/v1/calls", token: customerToken)
            let items = (list.json["items"] as? [[String: Any]]) ?? []
            #expect(items.count == 1, "\(list.body)")
            #expect(items.first?["status"] as? String == "missed")
            #expect(items.first?["endReason"] as? String == "no-agents")
            let missedID = try #require(items.first?["id"] as? String)
            #expect((problem["detail"] as? String)?.contains(missedID) == true, "the problem names the missed call: \(problem)")
            #expect(await Self.event(customerLive, "call.missed", call: missedID) != nil, "the caller never got call.missed")

            // Connected but away: still not callable, directly or by strategy.
            let agentLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: agentToken)
            let away = try await api.send(.PUT, "/v1/me/presence", token: agentToken, json: #"{"status":"away"}"#)
            try #require(away.status == 200, "PUT /v1/me/presence: \(away.status) \(away.body)")
            try await api.waitUntil("the agent is reachable but away", token: ownerToken) { items in
                items.contains { Self.uuid($0["id"]) == agent.id && $0["reachable"] as? Bool == true && $0["status"] as? String == "away" }
            }
            let available = try await api.send(.GET, "/v1/agents/available", token: customerToken)
            #expect((available.json["items"] as? [Any])?.isEmpty == true, "an away agent is listed as available: \(available.body)")
            for body in [#"{"agentId":"\#(agent.id)"}"#, #"{"strategy":"ring-all"}"#, #"{"strategy":"round-robin"}"#, "{}"] {
                try await api.send(.POST, "/v1/calls", token: customerToken, json: body).expectProblem(409, "no-agent-available")
            }
            let after = try await api.send(.GET, "/v1/calls?status=missed", token: customerToken)
            let missed = (after.json["items"] as? [[String: Any]]) ?? []
            #expect(missed.count == 5, "\(after.body)")
            #expect(missed.allSatisfy { $0["endReason"] as? String == "no-agents" })
            #expect(standIn.rooms.isEmpty, "rooms of calls nobody could take were left behind: \(standIn.rooms)")

            // Back to available: callable again.
            try #require(try await api.send(.PUT, "/v1/me/presence", token: agentToken, json: #"{"status":"available"}"#).status == 200)
            let callable = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(agent.id)"}"#)
            #expect(callable.status == 201, "\(callable.status) \(callable.body)")

            await agentLive.close()
            await customerLive.close()
        }
    }

    // MARK: - History

    @Test("GET /v1/calls pages newest first with a cursor and filters by status, participant and time")
    func history() async throws {
        try await Self.withCalls { app, _, api in
            let tenant = try await Self.seed(app.database, slug: "history", agents: ["Frank Black"], customers: 2)
            let agent = tenant.agents[0]
            let ownerToken = try await api.login(tenant, tenant.owner)
            let firstCustomer = try await api.login(tenant, tenant.customers[0])
            let secondCustomer = try await api.login(tenant, tenant.customers[1])
            // Four refused calls (the agent is not connected), then one that rings.
            for _ in 0..<4 {
                try await api.send(.POST, "/v1/calls", token: firstCustomer, json: #"{"agentId":"\#(agent.id)"}"#)
                    .expectProblem(409, "no-agent-available")
            }
            let agentLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: try await api.login(tenant, agent))
            try await api.waitUntilAvailable([agent.id], staffToken: ownerToken)
            let ringing = try await api.send(.POST, "/v1/calls", token: secondCustomer, json: #"{"agentId":"\#(agent.id)"}"#)
            try #require(ringing.status == 201, "POST /v1/calls: \(ringing.status) \(ringing.body)")
            let ringingID = try #require(ringing.json["id"] as? String)

            func ids(_ query: String, token: String) async throws -> [String] {
                let reply = try await api.send(.GET, "/v1/calls\(query)", token: token)
                #expect(reply.status == 200, "GET /v1/calls\(query): \(reply.status) \(reply.body)")
                return ((reply.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
            }
            let all = try await api.send(.GET, "/v1/calls", token: ownerToken)
            let everything = ((all.json["items"] as? [[String: Any]]) ?? [])
            #expect(everything.count == 5)
            #expect(everything.first?["id"] as? String == ringingID, "newest first: \(all.body)")
            let created = everything.compactMap { Self.date($0["createdAt"]) }
            #expect(created == created.sorted(by: >), "not newest first: \(created)")
            #expect(all.json.keys.contains("nextCursor") && all.json["nextCursor"] is NSNull, "one page: \(all.body)")

            // Pages of two: every call exactly once, in the same order.
            var paged: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = "?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await api.send(.GET, "/v1/calls\(query)", token: ownerToken)
                try #require(page.status == 200, "\(page.body)")
                let items = ((page.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
                #expect(items.count <= 2)
                paged += items
                cursor = page.json["nextCursor"] as? String
                pages += 1
            } while cursor != nil && pages < 10
            #expect(paged == everything.compactMap { $0["id"] as? String }, "paging lost or repeated calls")
            #expect(pages == 3)

            #expect(try await ids("?status=missed", token: ownerToken).count == 4)
            #expect(try await ids("?status=ringing", token: ownerToken) == [ringingID])
            #expect(try await ids("?status=ended", token: ownerToken).isEmpty)
            #expect(try await ids("?participant=\(tenant.customers[0].id)", token: ownerToken).count == 4)
            #expect(try await ids("?participant=\(tenant.customers[1].id)", token: ownerToken) == [ringingID])
            #expect(try await ids("?participant=\(agent.id)", token: ownerToken) == [ringingID], "calls the agent was rung for")
            #expect(try await ids("?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z", token: ownerToken).count == 5)
            #expect(try await ids("?from=2100-01-01T00:00:00Z", token: ownerToken).isEmpty)
            #expect(try await ids("?to=2000-01-01T00:00:00Z", token: ownerToken).isEmpty)
            #expect(try await ids("", token: firstCustomer).count == 4, "a customer sees their own calls")
            #expect(try await ids("?status=ringing", token: firstCustomer).isEmpty)
            #expect(try await ids("", token: secondCustomer) == [ringingID])
            for bad in ["?status=bogus", "?participant=nobody", "?from=yesterday", "?cursor=%21%21", "?limit=0"] {
                try await api.send(.GET, "/v1/calls\(bad)", token: ownerToken).expectProblem(422, "validation-failed")
            }

            // Ending a ringing call: 409 for the caller and the rung agent alike, 404 for anyone else.
            let agentToken = try await api.login(tenant, agent)
            try await api.send(.POST, "/v1/calls/\(ringingID)/end", token: secondCustomer).expectProblem(409, "call-state-conflict")
            try await api.send(.POST, "/v1/calls/\(ringingID)/end", token: agentToken).expectProblem(409, "call-state-conflict")
            try await api.send(.POST, "/v1/calls/\(ringingID)/end", token: firstCustomer).expectProblem(404, "not-found")
            #expect(try await ids("?status=ringing", token: ownerToken) == [ringingID], "a refused end changed the call")

            await agentLive.close()
        }
    }

    // MARK: - Busy automation

    @Test("accepting makes the agent busy; ending restores available at once, or after calls.wrapUpSeconds")
    func busyAutomation() async throws {
        try await Self.withCalls { app, _, api in
            let tenant = try await Self.seed(app.database, slug: "busy", agents: ["Jeffrey Spender"], customers: 1)
            let agent = tenant.agents[0]
            let customer = tenant.customers[0]
            let ownerToken = try await api.login(tenant, tenant.owner)
            let agentToken = try await api.login(tenant, agent)
            let customerToken = try await api.login(tenant, customer)
            let agentLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: agentToken)
            try await api.waitUntilAvailable([agent.id], staffToken: ownerToken)

            func status() async throws -> String? {
                let reply = try await api.send(.GET, "/v1/presence", token: ownerToken)
                return ((reply.json["items"] as? [[String: Any]]) ?? []).first { Self.uuid($0["userId"]) == agent.id }?["status"] as? String
            }
            func acceptedCall() async throws -> String {
                let started = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(agent.id)"}"#)
                try #require(started.status == 201, "POST /v1/calls: \(started.status) \(started.body)")
                let callID = try #require(started.json["id"] as? String)
                #expect(try await status() == "available", "ringing alone must not make the agent busy")
                let accepted = try await api.send(.POST, "/v1/calls/\(callID)/accept", token: agentToken)
                try #require(accepted.status == 200, "accept: \(accepted.status) \(accepted.body)")
                return callID
            }

            // No wrap-up.
            let first = try await acceptedCall()
            #expect(try await status() == "busy")
            let busyEvent = await agentLive.recorder.wait { events in
                events.contains {
                    $0.type == "presence.changed" && Self.uuid($0.object["userId"]) == agent.id && $0.object["status"] as? String == "busy"
                }
            }
            #expect(busyEvent, "no presence.changed busy for the agent: \(agentLive.events)")
            let customerView = try await api.send(.GET, "/v1/agents/available", token: customerToken)
            #expect((customerView.json["items"] as? [Any])?.isEmpty == true, "an agent on a call is listed available: \(customerView.body)")
            try #require(try await api.send(.POST, "/v1/calls/\(first)/end", token: customerToken).status == 200)
            #expect(try await status() == "available", "with wrapUpSeconds 0 the agent is available as soon as the call ends")
            let backEvent = await agentLive.recorder.wait { events in
                let own = events.filter { $0.type == "presence.changed" && Self.uuid($0.object["userId"]) == agent.id }
                guard let busy = own.firstIndex(where: { $0.object["status"] as? String == "busy" }) else { return false }
                return own[busy...].contains { $0.object["status"] as? String == "available" }
            }
            #expect(backEvent, "no presence.changed available after the call: \(agentLive.events)")

            // Two seconds of wrap-up.
            let patched = try await api.send(.PATCH, "/v1/settings", token: ownerToken, json: #"{"calls":{"wrapUpSeconds":2}}"#)
            try #require(patched.status == 200, "PATCH /v1/settings: \(patched.status) \(patched.body)")
            let second = try await acceptedCall()
            #expect(try await status() == "busy")
            let endedAt = ContinuousClock.now
            try #require(try await api.send(.POST, "/v1/calls/\(second)/end", token: agentToken).status == 200)
            #expect(try await status() == "busy", "wrap-up must keep the agent busy right after the call")
            var restoredAfter: Duration?
            while ContinuousClock.now - endedAt < .seconds(10) {
                if try await status() == "available" {
                    restoredAfter = ContinuousClock.now - endedAt
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let after = try #require(restoredAfter, "the agent never became available again after wrap-up")
            #expect(after >= .milliseconds(1500) && after <= .seconds(6), "available again after \(after), expected about 2 s")

            await agentLive.close()
        }
    }

    // MARK: - Idempotency

    @Test("Idempotency-Key: a repeat answers the same call with Idempotent-Replayed, another body 422, per caller")
    func idempotencyKey() async throws {
        try await Self.withCalls { app, standIn, api in
            let tenant = try await Self.seed(app.database, slug: "idem", agents: ["Alex Krycek", "Marita Covarrubias"], customers: 3)
            let (agent1, agent2) = (tenant.agents[0], tenant.agents[1])
            let ownerToken = try await api.login(tenant, tenant.owner)
            let customerToken = try await api.login(tenant, tenant.customers[0])
            let otherCustomerToken = try await api.login(tenant, tenant.customers[1])
            var lives: [RealtimeSubscription] = []
            for agent in tenant.agents {
                lives.append(try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: try await api.login(tenant, agent)))
            }
            try await api.waitUntilAvailable(tenant.agents.map(\.id), staffToken: ownerToken)
            let key = [("Idempotency-Key", "call-key-1")]

            let first = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(agent1.id)"}"#, headers: key)
            try #require(first.status == 201, "first: \(first.status) \(first.body)")
            #expect(first.headers.first(name: "idempotent-replayed") == nil)
            let callID = try #require(first.json["id"] as? String)

            let again = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(agent1.id)"}"#, headers: key)
            #expect(again.status == 201, "replay: \(again.status) \(again.body)")
            #expect(again.json["id"] as? String == callID)
            #expect(again.headers.first(name: "idempotent-replayed") == "true")
            #expect(again.json["status"] as? String == "ringing")
            let replayToken = try #require((again.json["livekit"] as? [String: Any])?["token"] as? String)
            #expect(
                (try Self.claims(replayToken, standIn: standIn)["video"] as? [String: Any])?["room"] as? String == first.json["room"]
                    as? String)

            try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"strategy":"ring-all"}"#, headers: key)
                .expectProblem(422, "idempotency-key-reused")
            try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(agent2.id)"}"#, headers: key)
                .expectProblem(422, "idempotency-key-reused")

            let list = try await api.send(.GET, "/v1/calls", token: ownerToken)
            #expect((list.json["items"] as? [Any])?.count == 1, "one call row for one key: \(list.body)")
            #expect(standIn.requests.filter { $0.method == "CreateRoom" }.count == 1, "replays must not create rooms: \(standIn.requests)")

            // Keys belong to the caller: another customer's same key is a new call; two
            // of its requests racing each other still make one call.
            let racing = try await withThrowingTaskGroup(of: CallAPI.Reply.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await api.send(
                            .POST, "/v1/calls", token: otherCustomerToken, json: #"{"agentId":"\#(agent2.id)"}"#, headers: key)
                    }
                }
                var replies: [CallAPI.Reply] = []
                for try await reply in group { replies.append(reply) }
                return replies
            }
            #expect(racing.map(\.status) == [201, 201], "racing replays: \(racing.map { "\($0.status) \($0.body)" })")
            let racedIDs = Set(racing.compactMap { $0.json["id"] as? String })
            #expect(racedIDs.count == 1 && !racedIDs.contains(callID), "racing ids \(racedIDs)")
            #expect(racing.filter { $0.headers.first(name: "idempotent-replayed") == "true" }.count == 1)
            let after = try await api.send(.GET, "/v1/calls", token: ownerToken)
            #expect((after.json["items"] as? [Any])?.count == 2, "\(after.body)")

            // A refused call (nobody to ring) replays as the same refusal, not as a new call.
            let customer3Token = try await api.login(tenant, tenant.customers[2])
            let busyKey = [("Idempotency-Key", "call-key-busy")]
            let refused = try await api.send(
                .POST, "/v1/calls", token: customer3Token, json: #"{"agentId":"\#(agent1.id)"}"#, headers: busyKey)
            let refusal = refused.expectProblem(409, "no-agent-available")
            let refusedAgain = try await api.send(
                .POST, "/v1/calls", token: customer3Token, json: #"{"agentId":"\#(agent1.id)"}"#, headers: busyKey)
            let replayedRefusal = refusedAgain.expectProblem(409, "no-agent-available")
            #expect(replayedRefusal["detail"] as? String == refusal["detail"] as? String, "the replay names the same missed call")
            let refusedList = try await api.send(.GET, "/v1/calls", token: customer3Token)
            #expect((refusedList.json["items"] as? [Any])?.count == 1, "one missed call for one key: \(refusedList.body)")

            for live in lives { await live.close() }
        }
    }

    // MARK: - Isolation and visibility

    @Test("other tenants cannot see or touch a call; customers see only their own calls and only callable agents")
    func isolationAndVisibility() async throws {
        try await Self.withCalls { app, _, api in
            let alpha = try await Self.seed(
                app.database, slug: "alpha", agents: ["Ada Lovelace", "Alan Turing", "Grace Hopper"], customers: 2)
            let beta = try await Self.seed(app.database, slug: "beta", agents: ["Bea Arthur"], customers: 1)
            let (ada, alan, grace) = (alpha.agents[0], alpha.agents[1], alpha.agents[2])
            let alphaOwner = try await api.login(alpha, alpha.owner)
            let adaToken = try await api.login(alpha, ada)
            let graceToken = try await api.login(alpha, grace)
            let alanToken = try await api.login(alpha, alan)
            let customerToken = try await api.login(alpha, alpha.customers[0])
            let otherCustomerToken = try await api.login(alpha, alpha.customers[1])
            let betaTokens = [
                ("beta owner", try await api.login(beta, beta.owner)),
                ("beta agent", try await api.login(beta, beta.agents[0])),
                ("beta customer", try await api.login(beta, beta.customers[0])),
            ]
            let betaAgentLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: betaTokens[1].1)

            // Ada connected and available, Grace connected but away, Alan not connected.
            let adaLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: adaToken)
            let graceLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: graceToken)
            try #require(try await api.send(.PUT, "/v1/me/presence", token: graceToken, json: #"{"status":"away"}"#).status == 200)
            try await api.waitUntil("Ada available, Grace reachable but away", token: alphaOwner) { items in
                items.contains { Self.uuid($0["id"]) == ada.id && $0["available"] as? Bool == true }
                    && items.contains {
                        Self.uuid($0["id"]) == grace.id && $0["reachable"] as? Bool == true && $0["status"] as? String == "away"
                    }
            }

            // The customer's view: only Ada, and only id, name and initials.
            let available = try await api.send(.GET, "/v1/agents/available", token: customerToken)
            #expect(available.status == 200)
            let listed = (available.json["items"] as? [[String: Any]]) ?? []
            #expect(listed.count == 1, "customers see only reachable available agents: \(available.body)")
            #expect(Self.uuid(listed.first?["id"]) == ada.id)
            #expect(listed.first?["name"] as? String == "Ada Lovelace")
            #expect(listed.first?["initials"] as? String == "AL")
            #expect(
                Set(listed.first?.keys.map { $0 } ?? []) == ["id", "name", "initials"],
                "customers must not see status fields: \(available.body)")
            // Staff see every agent of their own tenant with state; another tenant's staff see none of them.
            let staffView = try await api.send(.GET, "/v1/agents/available", token: alphaOwner)
            let staffIDs = Set(((staffView.json["items"] as? [[String: Any]]) ?? []).compactMap { Self.uuid($0["id"]) })
            #expect(staffIDs.isSuperset(of: [ada.id, alan.id, grace.id]), "\(staffView.body)")
            let betaView = try await api.send(.GET, "/v1/agents/available", token: betaTokens[0].1)
            let betaIDs = Set(((betaView.json["items"] as? [[String: Any]]) ?? []).compactMap { Self.uuid($0["id"]) })
            #expect(betaIDs.isDisjoint(with: staffIDs) && betaIDs.contains(beta.agents[0].id), "\(betaView.body)")

            // Alpha's call.
            let started = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(ada.id)"}"#)
            try #require(started.status == 201, "POST /v1/calls: \(started.status) \(started.body)")
            let callID = try #require(started.json["id"] as? String)

            // Beta's users cannot see or act on it, nor call Alpha's agents.
            for (who, token) in betaTokens {
                try await api.send(.GET, "/v1/calls/\(callID)", token: token).expectProblem(404, "not-found")
                for action in ["accept", "decline", "cancel", "end"] {
                    let reply = try await api.send(.POST, "/v1/calls/\(callID)/\(action)", token: token)
                    #expect(reply.status == 404, "\(who) \(action) on another tenant's call: \(reply.status) \(reply.body)")
                }
                let list = try await api.send(.GET, "/v1/calls", token: token)
                #expect(list.status == 200)
                #expect((list.json["items"] as? [Any])?.isEmpty == true, "\(who) lists another tenant's calls: \(list.body)")
                let filtered = try await api.send(.GET, "/v1/calls?participant=\(alpha.customers[0].id)", token: token)
                #expect((filtered.json["items"] as? [Any])?.isEmpty == true, "\(who): \(filtered.body)")
            }
            try await api.send(.POST, "/v1/calls", token: betaTokens[2].1, json: #"{"agentId":"\#(ada.id)"}"#)
                .expectProblem(404, "not-found")
            #expect(!adaLive.events.contains { $0.type == "call.ringing" && !Self.matches($0, "call.ringing", call: callID) })

            // Within Alpha: customers see only their own calls; staff see all.
            let own = try await api.send(.GET, "/v1/calls", token: customerToken)
            #expect(((own.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String } == [callID])
            let others = try await api.send(.GET, "/v1/calls", token: otherCustomerToken)
            #expect((others.json["items"] as? [Any])?.isEmpty == true, "a customer sees another customer's call: \(others.body)")
            try await api.send(.GET, "/v1/calls/\(callID)", token: otherCustomerToken).expectProblem(404, "not-found")
            try await api.send(.POST, "/v1/calls/\(callID)/cancel", token: otherCustomerToken).expectProblem(404, "not-found")
            let staffList = try await api.send(.GET, "/v1/calls", token: alanToken)
            #expect(((staffList.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String } == [callID])
            // Staff not offered the call cannot take it.
            try await api.send(.POST, "/v1/calls/\(callID)/accept", token: alanToken).expectProblem(404, "not-found")

            // On a call, Ada is no longer listed for customers.
            try #require(try await api.send(.POST, "/v1/calls/\(callID)/accept", token: adaToken).status == 200)
            let whileOnCall = try await api.send(.GET, "/v1/agents/available", token: otherCustomerToken)
            #expect((whileOnCall.json["items"] as? [Any])?.isEmpty == true, "\(whileOnCall.body)")
            for (who, token) in betaTokens {
                let reply = try await api.send(.POST, "/v1/calls/\(callID)/end", token: token)
                #expect(reply.status == 404, "\(who) ended another tenant's call: \(reply.status)")
            }
            #expect(try await api.send(.GET, "/v1/calls/\(callID)", token: customerToken).json["status"] as? String == "accepted")
            #expect(betaAgentLive.events.allSatisfy { !$0.type.hasPrefix("call.") }, "beta's agent got alpha's call events")

            await adaLive.close()
            await graceLive.close()
            await betaAgentLive.close()
        }
    }

    // MARK: - Harness

    /// Runs `body` against the app configured with the LiveKit stand-in.
    static func withCalls(
        _ body: @escaping @Sendable (TestApp, LiveKitStandIn, CallAPI) async throws -> Void
    ) async throws {
        do {
            try await LiveKitStandIn().run { standIn in
                try await TestApp.run(configure: { config in
                    config.livekit = LiveKitCredentials(url: standIn.url, apiKey: standIn.apiKey, apiSecret: standIn.apiSecret)
                }) { app in
                    let port = try #require(app.client.port)
                    try await body(app, standIn, CallAPI(base: "http://127.0.0.1:\(port)"))
                }
            }
        } catch let error as PSQLError {
            // PSQLError's description hides its details; say what went wrong.
            Issue.record("database error: \(String(reflecting: error))")
            throw error
        }
    }

    struct Person: Sendable {
        let id: UUID
        let email: String
        let name: String
    }

    struct CallTenant: Sendable {
        let slug: String
        let id: UUID
        let owner: Person
        let agents: [Person]
        let customers: [Person]

        func name(_ id: UUID?) -> String {
            ([owner] + agents + customers).first { $0.id == id }?.name ?? "\(id.map(\.uuidString) ?? "nobody")"
        }
    }

    /// A tenant with an owner, agents named `agents` (in that order) and `customers` customers.
    static func seed(_ database: Database, slug: String, agents: [String], customers: Int) async throws -> CallTenant {
        let owner = ("owner@\(slug).test", "Owner \(slug.capitalized)", Role.owner)
        let agentRows = agents.enumerated().map { ("agent\($0.offset + 1)@\(slug).test", $0.element, Role.agent) }
        let customerRows = (0..<customers).map {
            ("customer\($0 + 1)@\(slug).test", "Customer \($0 + 1) \(slug.capitalized)", Role.customer)
        }
        let rows = [owner] + agentRows + customerRows
        let manifest = try TenantManifest.parse(
            yaml: "slug: \(slug)\nname: \(slug.capitalized) Inc\nusers:\n"
                + rows.map { "  - {email: \($0.0), name: \($0.1), role: \($0.2.rawValue), passwordEnv: SEED_PASSWORD}" }
                .joined(separator: "\n")
        )
        let applied = try await TenantManifestApplier(database: database, hasher: PasswordHasher(cost: 4))
            .apply(manifest, environment: ["SEED_PASSWORD": SeededTenant.password], logger: logger)
        let tenantID = applied.tenant.id
        let ids = try await database.withTenant(tenantID, logger: logger) { connection in
            var ids: [String: UUID] = [:]
            let query = try await connection.query("SELECT id, email FROM users WHERE tenant_id = \(tenantID)", logger: logger)
            for try await (id, email) in query.decode((UUID, String).self) { ids[email] = id }
            return ids
        }
        func person(_ row: (String, String, Role)) throws -> Person {
            Person(id: try #require(ids[row.0], "no user \(row.0)"), email: row.0, name: row.1)
        }
        return CallTenant(
            slug: slug, id: tenantID, owner: try person(owner), agents: try agentRows.map(person), customers: try customerRows.map(person)
        )
    }

    // MARK: - Events and tokens

    static func uuid(_ value: Any?) -> UUID? { (value as? String).flatMap(UUID.init(uuidString:)) }

    static func date(_ value: Any?) -> Date? { (value as? String).flatMap { try? Date($0, strategy: .iso8601) } }

    static func matches(_ event: ReceivedEvent, _ type: String, call callID: String) -> Bool {
        event.type == type && uuid(event.object["callId"]) != nil && uuid(event.object["callId"]) == UUID(uuidString: callID)
    }

    /// The data of the first `type` event about `callID`, waiting for it; nil on timeout.
    static func event(
        _ live: RealtimeSubscription, _ type: String, call callID: String, timeout: Duration = .seconds(15)
    ) async -> [String: Any]? {
        _ = await live.recorder.wait(timeout: timeout) { events in events.contains { matches($0, type, call: callID) } }
        return live.events.first { matches($0, type, call: callID) }?.object
    }

    /// Polls `condition` for up to `timeout`.
    static func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    /// A LiveKit token's claims, after checking it is an HS256 JWT signed with the
    /// stand-in's secret, issued by its API key and not expired.
    static func claims(
        _ token: String, standIn: LiveKitStandIn, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String: Any] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        try #require(parts.count == 3, "not a JWT: \(token)", sourceLocation: sourceLocation)
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data((parts[0] + "." + parts[1]).utf8), using: SymmetricKey(data: Data(standIn.apiSecret.utf8)))
        #expect(base64URL(Data(mac)) == parts[2], "the token is not signed with the LiveKit API secret", sourceLocation: sourceLocation)
        let header = try #require(try decodeSegment(parts[0]), sourceLocation: sourceLocation)
        #expect(header["alg"] as? String == "HS256", sourceLocation: sourceLocation)
        let claims = try #require(try decodeSegment(parts[1]), "payload is not JSON", sourceLocation: sourceLocation)
        #expect(claims["iss"] as? String == standIn.apiKey, sourceLocation: sourceLocation)
        let expires = try #require(claims["exp"] as? Int, "no exp", sourceLocation: sourceLocation)
        #expect(Double(expires) > Date().timeIntervalSince1970, "the token is expired", sourceLocation: sourceLocation)
        return claims
    }

    static func decodeSegment(_ segment: String) throws -> [String: Any]? {
        var base64 = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// JSON over real sockets to a server under test, many requests at once if asked
/// (the in-process test client has one connection, which would serialise them).
struct CallAPI: Sendable {
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 48)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    let base: String

    struct Reply: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: String

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:] }

        /// Checks this is an RFC 9457 problem of `kind` with `status`; returns its JSON.
        @discardableResult
        func expectProblem(_ status: Int, _ kind: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any] {
            #expect(self.status == status, "expected \(status) \(kind), got \(self.status): \(body)", sourceLocation: sourceLocation)
            #expect(headers.first(name: "content-type") == "application/problem+json", sourceLocation: sourceLocation)
            let problem = json
            #expect(
                problem["type"] as? String == "https://switchboard.dev/problems/\(kind)", "problem: \(body)", sourceLocation: sourceLocation
            )
            #expect(problem["status"] as? Int == status, sourceLocation: sourceLocation)
            return problem
        }
    }

    @discardableResult
    func send(
        _ method: HTTPMethod, _ path: String, token: String? = nil, json: String? = nil, headers: [(String, String)] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 22)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }

    /// Logs `person` in and returns the access token.
    func login(_ tenant: CallsTests.CallTenant, _ person: CallsTests.Person) async throws -> String {
        let reply = try await send(
            .POST, "/v1/auth/login",
            json: #"{"tenant":"\#(tenant.slug)","email":"\#(person.email)","password":"\#(SeededTenant.password)"}"#
        )
        try #require(reply.status == 200, "login as \(person.email): \(reply.status) \(reply.body)")
        return try #require(reply.json["accessToken"] as? String)
    }

    /// Waits until the staff view of `GET /v1/agents/available` satisfies `condition`.
    func waitUntil(
        _ what: String, token: String, timeout: Duration = .seconds(15), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: ([[String: Any]]) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            let reply = try await send(.GET, "/v1/agents/available", token: token)
            last = reply.body
            if condition((reply.json["items"] as? [[String: Any]]) ?? []) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what): \(last)", sourceLocation: sourceLocation)
        throw TestSetupError("timed out waiting until \(what)")
    }

    /// Waits until every one of `ids` is reachable and available (their real-time
    /// connections are registered), as staff see it.
    func waitUntilAvailable(_ ids: [UUID], staffToken: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitUntil("\(ids.count) agents are available", token: staffToken, sourceLocation: sourceLocation) { items in
            let available = Set(items.filter { $0["available"] as? Bool == true }.compactMap { CallsTests.uuid($0["id"]) })
            return available.isSuperset(of: ids)
        }
    }

    /// Polls `GET /v1/calls/{id}` until its status is no longer `status`.
    func waitForStatus(_ callID: String, token: String, leaving status: String, timeout: Duration) async throws -> Reply {
        let deadline = ContinuousClock.now + timeout
        var reply = try await send(.GET, "/v1/calls/\(callID)", token: token)
        while reply.json["status"] as? String == status, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            reply = try await send(.GET, "/v1/calls/\(callID)", token: token)
        }
        return reply
    }
}
