import Accounts
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Persistence
import Realtime
import Testing

@testable import App

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The real-time endpoints from a client's side: both transports carry the same
/// stream and resume alike, events reach exactly their audience inside their tenant,
/// bad credentials are refused at connect and ended sessions are cut off, the
/// per-user cap, slow consumers, oversized inbound messages, and presence.
///
/// Delivery waits for every older transaction on the database server to end (the
/// outbox horizon), including other tests' open ones, so waits are generous (15 s).
@Suite("Real-time access: transports, resume, audiences, credentials, limits and presence")
struct RealtimeAccessTests {
    static let logger: Logger = {
        var logger = Logger(label: "realtime-access-tests")
        logger.logLevel = .error
        return logger
    }()

    // MARK: - 1. Both transports, same stream; resume

    @Test("WebSocket and SSE, token in header or query, deliver the same events in the same order")
    func transportsDeliverIdenticalStreams() async throws {
        try await TestApp.run { app in
            // setup: four clients of one customer (no presence events for customers)
            let tenant = try await app.seedTenant("acme")
            let customer = try #require(tenant.userIDs[.customer])
            let agent = try #require(tenant.userIDs[.agent])
            let token = try await app.token(tenant, .customer)
            let base = Self.baseURL(app)
            var clients: [(label: String, subscription: RealtimeSubscription)] = []
            for transport in RealtimeClient.Transport.allCases {
                for inHeader in [false, true] {
                    let subscription = try await RealtimeClient.connect(transport, baseURL: base, token: token, tokenInHeader: inHeader)
                    clients.append(("\(transport)/\(inHeader ? "header" : "query")", subscription))
                }
            }
            let subscriptions = clients.map(\.subscription)
            let start = try await Self.sync(app, tenant.id, audience: .user(customer), subscriptions)

            // act: single events, a transaction of three, and events the customer must not get
            try await Self.emit(app, tenant.id, "test.one", .user(customer), #"{"n":1,"text":"héllo \"quoted\" \\ ✓"}"#)
            try await Self.emit(app, tenant.id, "test.staff_only", .staff, #"{"n":-1}"#)
            try await Self.emit(app, tenant.id, "test.two", .role(.customer), #"{"n":2,"nested":{"list":[1,2,3],"null":null}}"#)
            try await Self.emitAll(
                app, tenant.id,
                [
                    ("test.three", .users([customer, agent]), #"{"n":3}"#),
                    ("test.agent_only", .user(agent), #"{"n":-2}"#),
                    ("test.four", .user(customer), #"{"n":4}"#),
                    ("test.five", .role(.customer), #"{"n":5}"#),
                ])
            try await Self.emit(app, tenant.id, "test.six", .users([customer]), #"{"n":6}"#)

            // check: every client got exactly the six events, in emission order, identically
            for (label, subscription) in clients {
                let arrived = await subscription.recorder.wait { Self.after(start, $0).count >= 6 }
                #expect(arrived, "\(label) got \(Self.after(start, subscription.events).map(\.type))")
            }
            try await Task.sleep(for: .milliseconds(500))  // room for anything extra to show up
            let reference = Self.after(start, clients[0].subscription.events)
            #expect(reference.map(\.type) == ["test.one", "test.two", "test.three", "test.four", "test.five", "test.six"])
            #expect(reference.map { $0.object["n"] as? Int } == [1, 2, 3, 4, 5, 6])
            #expect(reference.first?.object["text"] as? String == "héllo \"quoted\" \\ ✓")
            #expect(((reference.dropFirst().first?.object["nested"] as? [String: Any])?["list"] as? [Int]) == [1, 2, 3])
            Self.expectStrictlyIncreasingIDs(reference)
            for (label, subscription) in clients {
                let events = Self.after(start, subscription.events)
                #expect(events == reference, "\(label) differs from \(clients[0].label)")
                #expect(subscription.recorder.malformed.isEmpty, "\(label) malformed: \(subscription.recorder.malformed)")
                #expect(!subscription.recorder.ended, "\(label) ended")
                Self.expectStrictlyIncreasingIDs(subscription.events)
            }
            for subscription in subscriptions { await subscription.close() }
        }
    }

    enum ResumeMode: String, CaseIterable, Sendable, CustomStringConvertible {
        case webSocketQuery, serverSentEventsHeader, serverSentEventsQuery
        var description: String { rawValue }

        func connect(_ baseURL: String, token: String, lastEventID: String?) async throws -> RealtimeSubscription {
            switch self {
            case .webSocketQuery:
                try await RealtimeClient.connect(.webSocket, baseURL: baseURL, token: token, lastEventID: lastEventID)
            case .serverSentEventsHeader:
                try await RealtimeClient.serverSentEvents(
                    baseURL: baseURL, token: token, lastEventID: lastEventID, useLastEventIDHeader: true)
            case .serverSentEventsQuery:
                try await RealtimeClient.serverSentEvents(
                    baseURL: baseURL, token: token, lastEventID: lastEventID, tokenInHeader: true, useLastEventIDHeader: false)
            }
        }
    }

    @Test(
        "a client resuming with its last event id gets exactly what it missed, then live events, once each", arguments: ResumeMode.allCases)
    func resumeReplaysMissedEvents(mode: ResumeMode) async throws {
        try await TestApp.run { app in
            // setup: a client that saw some events
            let tenant = try await app.seedTenant("acme")
            let customer = try #require(tenant.userIDs[.customer])
            let token = try await app.token(tenant, .customer)
            let base = Self.baseURL(app)
            let first = try await mode.connect(base, token: token, lastEventID: nil)
            let start = try await Self.sync(app, tenant.id, audience: .user(customer), [first])
            for n in 1...3 { try await Self.emit(app, tenant.id, "test.seen", .user(customer), #"{"n":\#(n)}"#) }
            #expect(await first.recorder.wait { Self.after(start, $0).count >= 3 }, "first connection got \(first.events.map(\.type))")
            let seen = Self.after(start, first.events)
            #expect(seen.map { $0.object["n"] as? Int } == [1, 2, 3])
            let lastSeen = try #require(first.events.last?.id)
            await first.close()

            // act: events while away (one transaction of two, and a single one), then resume
            try await Self.emitAll(
                app, tenant.id, [("test.missed", .user(customer), #"{"n":4}"#), ("test.missed", .role(.customer), #"{"n":5}"#)])
            try await Self.emit(app, tenant.id, "test.missed", .user(customer), #"{"n":6}"#)
            let resumed = try await mode.connect(base, token: token, lastEventID: lastSeen)
            #expect(await resumed.recorder.wait { $0.count >= 3 }, "resumed connection got \(resumed.events.map(\.type))")
            for n in 7...8 { try await Self.emit(app, tenant.id, "test.live", .user(customer), #"{"n":\#(n)}"#) }

            // check: 4...8 exactly once, in order, and nothing else (no resync, no replay of 1...3)
            #expect(await resumed.recorder.wait { $0.count >= 5 }, "resumed connection got \(resumed.events.map(\.type))")
            try await Task.sleep(for: .milliseconds(700))
            let events = resumed.events
            #expect(events.map(\.type) == ["test.missed", "test.missed", "test.missed", "test.live", "test.live"])
            #expect(events.map { $0.object["n"] as? Int } == [4, 5, 6, 7, 8])
            #expect(Set(events.map(\.id)).count == events.count, "duplicate ids: \(events.map(\.id))")
            #expect(Set(events.map(\.id)).isDisjoint(with: seen.map(\.id)))
            Self.expectStrictlyIncreasingIDs(events)
            #expect(EventPosition(events.first?.id ?? "") ?? .start > EventPosition(lastSeen)!)
            await resumed.close()
        }
    }

    // MARK: - 2. Unknown and malformed resume ids

    @Test("a resume id the server does not hold yields a resync first; a malformed one is refused with 422")
    func unknownAndMalformedResumeIDs() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let customer = try #require(tenant.userIDs[.customer])
            let token = try await app.token(tenant, .customer)
            let base = Self.baseURL(app)

            // act: unknown id on every transport
            var clients: [(String, RealtimeSubscription)] = []
            for mode in ResumeMode.allCases {
                clients.append((mode.rawValue, try await mode.connect(base, token: token, lastEventID: "1-1")))
            }
            // check: resync first, naming the id, then live events
            for (label, client) in clients {
                let first = await client.recorder.waitForEvents(1)
                #expect(first.first?.type == "resync", "\(label): \(first.map(\.type))")
                #expect(first.first?.object["lastEventId"] as? String == "1-1", "\(label)")
                #expect((first.first?.object["reason"] as? String)?.isEmpty == false, "\(label)")
            }
            try await Self.emit(app, tenant.id, "test.after_resync", .user(customer), #"{"n":1}"#)
            for (label, client) in clients {
                let events = await client.recorder.waitForEvents(1, type: "test.after_resync")
                #expect(events.count == 1, "\(label): \(client.events.map(\.type))")
                #expect(client.events.first?.type == "resync")
                #expect(client.events.filter { $0.type == "resync" }.count == 1, "\(label)")
                await client.close()
            }

            // act + check: malformed ids, SSE (header and query): 422 problem pointing at lastEventId
            for malformed in ["abc", "1-", "-1", "1-2-3", "1--2"] {
                for mode in [ResumeMode.serverSentEventsHeader, .serverSentEventsQuery] {
                    do {
                        let accepted = try await mode.connect(base, token: token, lastEventID: malformed)
                        Issue.record("\(mode) accepted malformed id \(malformed)")
                        await accepted.close()
                    } catch let refused as RealtimeRefused {
                        #expect(refused.status == 422, "\(mode) \(malformed): \(refused)")
                    }
                }
            }
            let problem = try await Self.httpGet(app, "/v1/realtime/sse?lastEventId=abc", headers: ["Authorization": "Bearer \(token)"])
            let sseBody = try problem.expectProblem(422)
            #expect(Self.pointers(sseBody) == ["/lastEventId"])
            let headerProblem = try await Self.httpGet(
                app, "/v1/realtime/sse", headers: ["Authorization": "Bearer \(token)", "Last-Event-ID": "abc"])
            try headerProblem.expectProblem(422)

            // WebSocket: upgraded, then closed with 4422 before any event
            try await Self.expectWebSocketRefused(app, token: token, lastEventID: "abc", code: 4422, "malformed id")
            try await Self.expectUpgradeRefused(app, query: "access_token=\(token)&lastEventId=abc", code: 4422, "malformed id")
        }
    }

    // The id of a `resync` must be one the tenant's replay knows: once it was the
    // node's fan-out position, which could be another tenant's event.
    @Test("the id of a resync event is one the client can resume from without another resync")
    func resyncIDIsResumable() async throws {
        try await TestApp.run { app in
            // setup: acme has an event; then globex emits the newest event on the server
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let acmeCustomer = try #require(acme.userIDs[.customer])
            let globexCustomer = try #require(globex.userIDs[.customer])
            let base = Self.baseURL(app)
            let globexWatcher = try await RealtimeClient.connect(
                .serverSentEvents, baseURL: base, token: try await app.token(globex, .customer))
            try await Self.emit(app, acme.id, "test.acme_event", .user(acmeCustomer), "{}")
            _ = try await Self.sync(app, globex.id, audience: .user(globexCustomer), [globexWatcher])  // the fan-out is past it
            let globexIDs = Set(try await Self.committedEvents(app, globex.id, count: 1).map(\.position.description))
            let token = try await app.token(acme, .customer)

            // act: an unknown id gets a resync
            let first = try await RealtimeClient.connect(.webSocket, baseURL: base, token: token, lastEventID: "1-1")
            let resync = try #require(await first.recorder.waitForEvents(1).first)
            #expect(resync.type == "resync")
            await first.close()

            // check: its id is not globex's, and resuming from it replays nothing and resyncs no more
            #expect(!globexIDs.contains(resync.id), "the resync's id \(resync.id) is one of globex's events")
            let resumed = try await RealtimeClient.connect(.webSocket, baseURL: base, token: token, lastEventID: resync.id)
            try await Self.emit(app, acme.id, "test.after_resume", .user(acmeCustomer), "{}")
            _ = await resumed.recorder.waitForEvents(1, type: "test.after_resume")
            #expect(resumed.events.map(\.type) == ["test.after_resume"], "resuming from the resync's id \(resync.id)")
            await resumed.close()
            await globexWatcher.close()
        }
    }

    // MARK: - 3. Audiences and tenants

    @Test("events reach exactly their audience within their own tenant, over both transports")
    func audienceAndTenantIsolation() async throws {
        try await TestApp.run { app in
            // setup: every user of two tenants, each on both transports
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let base = Self.baseURL(app)
            struct Client: Sendable {
                let tenant: SeededTenant
                let role: Role
                let transport: RealtimeClient.Transport
                let subscription: RealtimeSubscription
                var label: String { "\(tenant.slug) \(role) \(transport)" }
            }
            var clients: [Client] = []
            for tenant in [acme, globex] {
                for role in [Role.owner, .admin, .agent, .customer] {
                    let token = try await app.token(tenant, role)
                    for transport in RealtimeClient.Transport.allCases {
                        let subscription = try await RealtimeClient.connect(
                            transport, baseURL: base, token: token, tokenInHeader: transport == .serverSentEvents)
                        clients.append(Client(tenant: tenant, role: role, transport: transport, subscription: subscription))
                    }
                }
            }
            func everyone(_ tenant: SeededTenant) -> EventAudience { .users(Array(tenant.userIDs.values)) }
            let acmeStart = try await Self.sync(
                app, acme.id, audience: everyone(acme), clients.filter { $0.tenant.id == acme.id }.map(\.subscription))
            let globexStart = try await Self.sync(
                app, globex.id, audience: everyone(globex), clients.filter { $0.tenant.id == globex.id }.map(\.subscription))

            // act: each tenant emits to every kind of audience, including ids of the other tenant's users
            for (tenant, other) in [(acme, globex), (globex, acme)] {
                let marker = #""tenant":"\#(tenant.slug)""#
                try await Self.emit(app, tenant.id, "test.staff", .staff, "{\(marker)}")
                try await Self.emit(app, tenant.id, "test.customers", .role(.customer), "{\(marker)}")
                try await Self.emit(app, tenant.id, "test.agents", .role(.agent), "{\(marker)}")
                try await Self.emit(app, tenant.id, "test.owners_and_admins", EventAudience(roles: [.owner, .admin]), "{\(marker)}")
                try await Self.emit(app, tenant.id, "test.agent_user", .user(tenant.userIDs[.agent]!), "{\(marker)}")
                try await Self.emit(app, tenant.id, "test.customer_user", .user(tenant.userIDs[.customer]!), "{\(marker)}")
                // The other tenant's user ids (and every role) in this tenant's event: only this tenant's staff hear it.
                try await Self.emit(
                    app, tenant.id, "test.foreign_ids", EventAudience(userIDs: Array(other.userIDs.values), roles: [.owner]), "{\(marker)}")
                try await Self.emit(app, tenant.id, "test.foreign_only", .users(Array(other.userIDs.values)), "{\(marker)}")
            }
            for tenant in [acme, globex] {
                try await Self.emit(app, tenant.id, "test.done", everyone(tenant), #"{"tenant":"\#(tenant.slug)"}"#)
            }

            // check
            let expected: [Role: [String]] = [
                .owner: ["test.staff", "test.owners_and_admins", "test.foreign_ids", "test.done"],
                .admin: ["test.staff", "test.owners_and_admins", "test.done"],
                .agent: ["test.staff", "test.agents", "test.agent_user", "test.done"],
                .customer: ["test.customers", "test.customer_user", "test.done"],
            ]
            for client in clients {
                let start = client.tenant.id == acme.id ? acmeStart : globexStart
                let arrived = await client.subscription.recorder.wait { events in events.contains { $0.type == "test.done" } }
                #expect(arrived, "\(client.label) never got test.done: \(client.subscription.events.map(\.type))")
                let events = Self.after(start, client.subscription.events)
                let testEvents = events.filter { $0.type.hasPrefix("test.") }
                #expect(testEvents.map(\.type) == expected[client.role], "\(client.label)")
                // nothing from the other tenant, in any event (presence included)
                for event in client.subscription.events {
                    if event.type == "test.sync" { continue }
                    if event.type == "presence.changed" {
                        let user = (event.object["userId"] as? String).flatMap(UUID.init(uuidString:))
                        #expect(client.role != .customer, "\(client.label) got presence: \(event.data)")
                        #expect(user.map { Set(client.tenant.userIDs.values).contains($0) } == true, "\(client.label): \(event.data)")
                    } else {
                        #expect(event.object["tenant"] as? String == client.tenant.slug, "\(client.label): \(event.type) \(event.data)")
                    }
                }
            }
            for client in clients { await client.subscription.close() }
        }
    }

    @Test("resuming with another tenant's event id gives a resync and none of that tenant's events")
    func resumingWithForeignEventID() async throws {
        try await TestApp.run { app in
            // setup: globex has events, one of them addressed to every globex agent
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            try await Self.emit(app, globex.id, "test.globex_secret", .staff, #"{"tenant":"globex","n":1}"#)
            try await Self.emit(app, globex.id, "test.globex_secret", .role(.agent), #"{"tenant":"globex","n":2}"#)
            let globexEvents = try await Self.committedEvents(app, globex.id, count: 2)
            let foreignID = try #require(globexEvents.first?.position.description)
            let token = try await app.token(acme, .agent)
            let base = Self.baseURL(app)

            // act: an acme agent resumes from globex's first event, on every transport
            var clients: [(String, RealtimeSubscription)] = []
            for mode in ResumeMode.allCases {
                clients.append((mode.rawValue, try await mode.connect(base, token: token, lastEventID: foreignID)))
            }
            for (label, client) in clients {
                let first = await client.recorder.waitForEvents(1)
                #expect(first.first?.type == "resync", "\(label): \(first.map(\.type))")
            }
            // globex keeps emitting to its staff; acme emits one event to its agents
            try await Self.emit(app, globex.id, "test.globex_secret", .staff, #"{"tenant":"globex","n":3}"#)
            try await Self.emit(app, acme.id, "test.acme_event", .role(.agent), #"{"tenant":"acme"}"#)

            // check: the acme event arrives; nothing of globex ever does
            for (label, client) in clients {
                #expect(
                    await client.recorder.waitForEvents(1, type: "test.acme_event").count == 1, "\(label): \(client.events.map(\.type))")
                for event in client.events {
                    #expect(event.type != "test.globex_secret", "\(label) got \(event.data)")
                    #expect(!event.data.contains("globex"), "\(label): \(event.type) \(event.data)")
                    if event.type == "presence.changed" {
                        let user = (event.object["userId"] as? String).flatMap(UUID.init(uuidString:))
                        #expect(user != nil && user == acme.userIDs[.agent], "\(label): \(event.data)")
                    }
                }
                await client.close()
            }
        }
    }

    // MARK: - 4. Credentials at connect

    @Test("forged, expired, garbage, revoked and missing tokens are refused at connect on both transports")
    func badTokensAreRefused() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let base = Self.baseURL(app)
            let forged = try await AuthTests.sign(
                tenant: tenant, secret: Array("another-secret-of-at-least-32-bytes!".utf8), expiresIn: 600)
            let expired = try await AuthTests.sign(tenant: tenant, secret: app.config.jwtSecret, expiresIn: -60)
            // The server's own key and a live session, to show the refusals are about the tokens.
            let good = try await app.token(tenant, .owner)
            let probe = try await RealtimeClient.connect(.serverSentEvents, baseURL: base, token: good)
            await probe.close()

            for (label, token) in [("forged", forged), ("expired", expired), ("garbage", "not.a.token")] {
                try await Self.expectRefusedEverywhere(app, token: token, status: 401, label)
            }

            // revoked: a session logged out; its still-unexpired access token must stop working within seconds
            let tokens = try await app.login(tenant, .customer)
            let logout = try await app.request(.post, "/v1/auth/logout", json: #"{"refreshToken":"\#(tokens.refreshToken)"}"#)
            #expect(logout.status == .noContent)
            let deadline = ContinuousClock.now + .seconds(6)
            var refused = false
            while ContinuousClock.now < deadline, !refused {
                do {
                    let accepted = try await RealtimeClient.connect(.serverSentEvents, baseURL: base, token: tokens.accessToken)
                    await accepted.close()
                    try await Task.sleep(for: .milliseconds(200))
                } catch let error as RealtimeRefused {
                    #expect(error.status == 401, "\(error)")
                    refused = true
                }
            }
            #expect(refused, "a logged-out session's access token still opens SSE after 6 s")
            try await Self.expectRefusedEverywhere(app, token: tokens.accessToken, status: 401, "revoked")

            // no token at all
            let sse = try await Self.httpGet(app, "/v1/realtime/sse")
            try sse.expectProblem(401)
            let emptyQuery = try await Self.httpGet(app, "/v1/realtime/sse?access_token=")
            try emptyQuery.expectProblem(401)
            try await Self.expectUpgradeRefused(app, query: nil, code: 4001, "no token")
            try await Self.expectWebSocketRefused(app, token: "", code: 4001, "empty token")
            // a plain GET (no upgrade) with a good token asks for the upgrade
            let plain = try await Self.httpGet(app, "/v1/realtime", headers: ["Authorization": "Bearer \(good)"])
            try plain.expectProblem(426)
        }
    }

    @Test("a refused WebSocket is upgraded, then closed with a code saying why: 4001, 4422 or 4029")
    func refusedUpgradeExplainsItself() async throws {
        try await TestApp.run(configure: { $0.realtime.maximumConnectionsPerUser = 1 }) { app in
            let tenant = try await app.seedTenant("acme")
            let customer = try #require(tenant.userIDs[.customer])
            let token = try await app.token(tenant, .customer)
            let agent = try await app.token(tenant, .agent)
            let expired = try await AuthTests.sign(tenant: tenant, secret: app.config.jwtSecret, expiresIn: -60)

            for (label, query, headers, code) in [
                ("no token", nil, [:], 4001),
                ("expired token", "access_token=\(expired)", [:], 4001),
                ("expired token in header", nil, ["Authorization": "Bearer \(expired)"], 4001),
                ("malformed id", "access_token=\(agent)&lastEventId=abc", [:], 4422),
            ] as [(String, String?, [String: String], UInt16)] {
                try await Self.expectUpgradeRefused(app, query: query, headers: headers, code: code, label)
            }
            let open = try await RealtimeClient.connect(.webSocket, baseURL: Self.baseURL(app), token: token)
            _ = try await Self.sync(app, tenant.id, audience: .user(customer), [open])
            let reason = try await Self.expectUpgradeRefused(app, query: "access_token=\(token)", code: 4029, "over the cap")
            #expect(reason.contains("too many connections"), "\(reason)")
            // the refused connection did not take a slot from the open one
            try await Self.emit(app, tenant.id, "test.still_open", .user(customer), "{}")
            #expect(await open.recorder.waitForEvents(1, type: "test.still_open").count == 1)
            await open.close()
        }
    }

    // MARK: - 5. Ended sessions are cut off

    @Test("disabling a user closes their WebSocket with 4003 and ends their SSE stream with a 4003 close event")
    func disablingAUserClosesConnections() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let agent = try #require(tenant.userIDs[.agent])
            let admin = try await app.token(tenant, .admin)
            let token = try await app.token(tenant, .agent)
            let base = Self.baseURL(app)
            let webSocket = try await RealtimeClient.connect(.webSocket, baseURL: base, token: token, tokenInHeader: true)
            let sse = try await RealtimeClient.connect(.serverSentEvents, baseURL: base, token: token)
            // another user's connection must survive
            let bystander = try await RealtimeClient.connect(.webSocket, baseURL: base, token: try await app.token(tenant, .customer))
            _ = try await Self.sync(app, tenant.id, audience: .users([agent, tenant.userIDs[.customer]!]), [webSocket, sse, bystander])

            // act
            let began = ContinuousClock.now
            let disabled = try await app.request(.patch, "/v1/users/\(agent)", token: admin, json: #"{"status":"disabled"}"#)
            #expect(disabled.status == .ok, "\(disabled.text)")

            // check
            #expect(await webSocket.recorder.waitForEnd(timeout: .seconds(10)), "WebSocket still open")
            #expect(await sse.recorder.waitForEnd(timeout: .seconds(10)), "SSE still open")
            #expect(ContinuousClock.now - began < .seconds(10))
            #expect(webSocket.recorder.closeCode == 4003, "WebSocket closed with \(String(describing: webSocket.recorder.closeCode))")
            #expect(sse.recorder.closeCode == 4003, "SSE closed with \(String(describing: sse.recorder.closeCode))")
            #expect(sse.recorder.closeReason?.isEmpty == false)
            try await Self.emit(app, tenant.id, "test.still_here", .role(.customer), "{}")
            #expect(await bystander.recorder.waitForEvents(1, type: "test.still_here").count == 1)
            #expect(!bystander.recorder.ended)
            // and the disabled user cannot come back
            try await Self.expectRefusedEverywhere(app, token: token, status: 401, "disabled user")
            for subscription in [webSocket, sse, bystander] { await subscription.close() }
        }
    }

    @Test("logging out closes that session's connections with 4003 and leaves the user's other sessions open")
    func logoutClosesThatSessionsConnections() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let customer = try #require(tenant.userIDs[.customer])
            let base = Self.baseURL(app)
            let phone = try await app.login(tenant, .customer)
            let laptop = try await app.login(tenant, .customer)
            let webSocket = try await RealtimeClient.connect(.webSocket, baseURL: base, token: phone.accessToken)
            let sse = try await RealtimeClient.connect(.serverSentEvents, baseURL: base, token: phone.accessToken, tokenInHeader: true)
            let other = try await RealtimeClient.connect(.webSocket, baseURL: base, token: laptop.accessToken)
            _ = try await Self.sync(app, tenant.id, audience: .user(customer), [webSocket, sse, other])

            // act
            let logout = try await app.request(.post, "/v1/auth/logout", json: #"{"refreshToken":"\#(phone.refreshToken)"}"#)
            #expect(logout.status == .noContent)

            // check
            #expect(await webSocket.recorder.waitForEnd(timeout: .seconds(10)), "WebSocket still open")
            #expect(await sse.recorder.waitForEnd(timeout: .seconds(10)), "SSE still open")
            #expect(webSocket.recorder.closeCode == 4003, "WebSocket closed with \(String(describing: webSocket.recorder.closeCode))")
            #expect(sse.recorder.closeCode == 4003, "SSE closed with \(String(describing: sse.recorder.closeCode))")
            try await Self.emit(app, tenant.id, "test.after_logout", .user(customer), "{}")
            #expect(await other.recorder.waitForEvents(1, type: "test.after_logout").count == 1)
            #expect(!other.recorder.ended, "the other session's connection was closed too")
            #expect(!webSocket.events.contains { $0.type == "test.after_logout" })
            for subscription in [webSocket, sse, other] { await subscription.close() }
        }
    }

    // MARK: - 6. Per-user cap

    @Test("a user at the connection cap is refused with 429 too-many-connections; other users are not; a freed slot is reusable")
    func perUserConnectionCap() async throws {
        try await TestApp.run(configure: { $0.realtime.maximumConnectionsPerUser = 2 }) { app in
            let tenant = try await app.seedTenant("acme")
            let customer = try #require(tenant.userIDs[.customer])
            let token = try await app.token(tenant, .customer)
            let base = Self.baseURL(app)
            let webSocket = try await RealtimeClient.connect(.webSocket, baseURL: base, token: token)
            let sse = try await RealtimeClient.connect(.serverSentEvents, baseURL: base, token: token)
            _ = try await Self.sync(app, tenant.id, audience: .user(customer), [webSocket, sse])

            // act + check: a third connection, on either transport, is refused
            do {
                let third = try await RealtimeClient.connect(.serverSentEvents, baseURL: base, token: token)
                Issue.record("third SSE connection accepted")
                await third.close()
            } catch let refused as RealtimeRefused {
                #expect(refused.status == 429, "\(refused)")
            }
            let problem = try await Self.httpGet(app, "/v1/realtime/sse", headers: ["Authorization": "Bearer \(token)"])
            let body = try problem.expectProblem(429)
            #expect((body["type"] as? String)?.hasSuffix("/too-many-connections") == true, "\(body)")
            try await Self.expectWebSocketRefused(app, token: token, code: 4029, "third WebSocket")
            try await Self.expectUpgradeRefused(app, query: "access_token=\(token)", code: 4029, "over the cap")
            // the cap is per user: another user of the tenant connects fine
            let agent = try await RealtimeClient.connect(.webSocket, baseURL: base, token: try await app.token(tenant, .agent))
            await agent.close()
            // the two open connections still work
            try await Self.emit(app, tenant.id, "test.capped", .user(customer), "{}")
            for subscription in [webSocket, sse] {
                #expect(await subscription.recorder.waitForEvents(1, type: "test.capped").count == 1)
            }

            // act: the WebSocket leaves; its slot frees up within seconds
            await webSocket.close()
            let deadline = ContinuousClock.now + .seconds(10)
            var reconnected: RealtimeSubscription?
            while reconnected == nil, ContinuousClock.now < deadline {
                reconnected = try? await RealtimeClient.connect(.webSocket, baseURL: base, token: token)
                if reconnected == nil { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(reconnected != nil, "the closed WebSocket's slot was not released")
            await reconnected?.close()
            await sse.close()
        }
    }

    // MARK: - 7. Slow consumers

    /// A user with a WebSocket that never reads and a WebSocket and an SSE client that
    /// read normally; 10,000 events of about 850 bytes (8.5 MB) are emitted to the user
    /// in transactions of 100. On loopback the kernel alone can buffer a few MB for the
    /// slow socket (the server's send buffer grows up to tcp_wmem's 4 MB), so the flood
    /// must exceed that plus the 1000-event queue before the slow queue overflows.
    struct Flood {
        let slow: RawConnection
        let fast: [RealtimeSubscription]
        let total: Int
        /// When the slow client connected (its first ping is due 10 s later).
        let slowConnectedAt: ContinuousClock.Instant
    }

    static func floodPastSlowConsumer(_ app: TestApp, tenant: SeededTenant, token: String) async throws -> Flood {
        let customer = tenant.userIDs[.customer]!
        let base = baseURL(app)
        let connectedAt = ContinuousClock.now
        let slow = try await RawConnection.upgrade(app, query: "access_token=\(token)", receiveBufferSize: 4096)
        #expect(slow.head.status == 101, "slow client not upgraded: \(slow.head.status) \(slow.head.body)")
        let fast = [
            try await RealtimeClient.connect(.webSocket, baseURL: base, token: token),
            try await RealtimeClient.connect(.serverSentEvents, baseURL: base, token: token),
        ]
        // The slow client connected first, so it is registered once the fast ones are.
        _ = try await sync(app, tenant.id, audience: .user(customer), fast)
        // Small transactions with pauses, so a reading client's queue never gets near the
        // limit (the count binds first: 1000 events are about 850 KB).
        let total = 10_000
        for chunk in stride(from: 0, to: total, by: 100) {
            try await emitFlood(app, tenant.id, to: customer, numbers: chunk..<(chunk + 100))
            try await Task.sleep(for: .milliseconds(20))
        }
        for client in fast {
            let arrived = await client.recorder.wait(timeout: .seconds(20)) { $0.filter { $0.type == "test.flood" }.count >= total }
            let numbers = floodNumbers(client)
            let missing = Set(0..<total).subtracting(numbers).sorted()
            #expect(arrived, "a fast client got \(numbers.count) of \(total); first missing: \(missing.prefix(5))")
        }
        return Flood(slow: slow.connection, fast: fast, total: total, slowConnectedAt: connectedAt)
    }

    /// The `n` of every `test.flood` event `client` received, in arrival order.
    static func floodNumbers(_ client: RealtimeSubscription) -> [Int] {
        client.events.filter { $0.type == "test.flood" }.map { $0.object["n"] as? Int ?? -1 }
    }

    /// Emits one `test.flood` event `{n, filler}` per number, in one statement and transaction.
    static func emitFlood(_ app: TestApp, _ tenantID: UUID, to userID: UUID, numbers: Range<Int>) async throws {
        let filler = String(repeating: "x", count: 700)
        try await app.database.withTenant(tenantID, logger: logger) { connection in
            let rows = try await connection.query(
                """
                WITH inserted AS (
                    INSERT INTO events (tenant_id, type, audience_user_ids, payload)
                    SELECT \(tenantID), 'test.flood', ARRAY[\(userID)]::uuid[], jsonb_build_object('n', n, 'filler', \(filler)::text)
                    FROM generate_series(\(numbers.lowerBound), \(numbers.upperBound - 1)) AS n
                    ORDER BY n
                    RETURNING id
                )
                SELECT pg_notify('switchboard_events', max(id)::text) FROM inserted
                """,
                logger: logger
            )
            for try await _ in rows {}
        }
    }

    @Test("a WebSocket client that stops reading is cut off with 4000 while the user's other clients get everything")
    func slowConsumerIsCutOff() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let customer = try #require(tenant.userIDs[.customer])
            let token = try await app.token(tenant, .customer)
            let flood = try await Self.floodPastSlowConsumer(app, tenant: tenant, token: token)
            defer { flood.slow.close() }

            // check: the fast clients got every event once, in order, and are still open
            for client in flood.fast {
                let numbers = Self.floodNumbers(client)
                let firstMisplaced = numbers.enumerated().first { $0.offset != $0.element }
                #expect(numbers.count == flood.total, "got \(numbers.count) of \(flood.total)")
                #expect(firstMisplaced == nil, "out of order or missing from index \(String(describing: firstMisplaced))")
                #expect(!client.recorder.ended)
                #expect(client.recorder.closeCode == nil)
            }
            // check: once the slow client reads, it finds its stream cut short and closed with 4000
            let ending = try await flood.slow.readUntilClose(timeout: .seconds(15))
            #expect(ending.closeCode != nil || ending.eof, "slow client still open after \(ending.textFrames) events")
            #expect(ending.textFrames < flood.total, "the slow client got all \(ending.textFrames) events: it was never cut off")
            #expect(ending.closeCode == 4000, "close code \(String(describing: ending.closeCode)) after \(ending.textFrames) events")

            // check: the server is healthy and the user can reconnect and receive
            #expect(try await app.request(.get, "/health/live").status == .ok)
            let again = try await RealtimeClient.connect(.webSocket, baseURL: Self.baseURL(app), token: token)
            try await Self.emit(app, tenant.id, "test.after_flood", .user(customer), "{}")
            for client in flood.fast + [again] {
                #expect(await client.recorder.waitForEvents(1, type: "test.after_flood").count == 1)
                await client.close()
            }
        }
    }

    // A writer stuck on a socket nobody reads never sees its queue close, so the
    // hub frees the slot when the queue closes, not when the writer returns.
    @Test("a slow consumer is dropped (and its slot freed) when it overflows, even if it never reads again")
    func slowConsumerIsDroppedWithoutReading() async throws {
        try await TestApp.run(configure: { $0.realtime.maximumConnectionsPerUser = 3 }) { app in
            let tenant = try await app.seedTenant("acme")
            let token = try await app.token(tenant, .customer)
            let flood = try await Self.floodPastSlowConsumer(app, tenant: tenant, token: token)
            defer { flood.slow.close() }

            // act: the slow client still reads nothing; the user, at the cap of 3 with it,
            // opens another connection. Decide before the ping timeout (20 s after the
            // slow client connected) could be what frees the slot.
            let deadline = min(ContinuousClock.now + .seconds(5), flood.slowConnectedAt + .seconds(17))
            var fourth: RealtimeSubscription?
            var lastRefusal = ""
            while fourth == nil, ContinuousClock.now < deadline {
                do {
                    fourth = try await RealtimeClient.connect(.serverSentEvents, baseURL: Self.baseURL(app), token: token)
                } catch {
                    lastRefusal = "\(error)"
                    try await Task.sleep(for: .milliseconds(250))
                }
            }
            // check: the cut-off connection no longer holds a slot
            #expect(
                fourth != nil,
                "the overflowed slow consumer still holds its slot \(ContinuousClock.now - flood.slowConnectedAt) after connecting: \(lastRefusal)"
            )
            await fourth?.close()
            for client in flood.fast { await client.close() }
        }
    }

    @Test("an SSE client that disconnects is noticed within seconds: its presence and its slot are freed well before the next heartbeat")
    func vanishedServerSentEventsClientIsNoticed() async throws {
        try await TestApp.run(configure: { $0.realtime.maximumConnectionsPerUser = 1 }) { app in
            let tenant = try await app.seedTenant("acme")
            let agentID = try #require(tenant.userIDs[.agent])
            let token = try await app.token(tenant, .agent)
            let watcher = try await app.token(tenant, .admin)

            // setup: the agent's only allowed connection is a raw SSE stream
            let raw = try RawConnection(port: app.client.port!)
            var request = "GET /v1/realtime/sse HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            request += "Authorization: Bearer \(token)\r\nAccept: text/event-stream\r\n\r\n"
            try await raw.write(Array(request.utf8))
            let head = try await raw.readHead(timeout: .seconds(15))
            #expect(head.status == 200)
            // (the stream's headers go out before the connection is registered)
            var reachable = false
            let connectedAt = ContinuousClock.now
            while !reachable, ContinuousClock.now - connectedAt < .seconds(5) {
                reachable = try await Self.presenceEntry(app, token: watcher, user: agentID)?["reachable"] as? Bool == true
                if !reachable { try await Task.sleep(for: .milliseconds(50)) }
            }
            try #require(reachable, "the agent never became reachable through its SSE stream")

            // act: the client goes away without a word (the heartbeat is 20 s off)
            let closedAt = ContinuousClock.now
            raw.close()

            // check: within 5 s (the heartbeat would take 20) the agent is unreachable...
            var unreachable = false
            while !unreachable, ContinuousClock.now - closedAt < .seconds(5) {
                unreachable = try await Self.presenceEntry(app, token: watcher, user: agentID)?["reachable"] as? Bool != true
                if !unreachable { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(unreachable, "the agent still counts as reachable \(ContinuousClock.now - closedAt) after its only client vanished")
            // ...and the only slot is free again
            var reconnected: RealtimeSubscription?
            while reconnected == nil, ContinuousClock.now - closedAt < .seconds(5) {
                reconnected = try? await RealtimeClient.connect(.serverSentEvents, baseURL: Self.baseURL(app), token: token)
                if reconnected == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(reconnected != nil, "the vanished SSE client still held the only slot \(ContinuousClock.now - closedAt) later")
            await reconnected?.close()
        }
    }

    // MARK: - 8. Oversized inbound messages

    @Test("an inbound WebSocket message over 64 KiB closes the socket with 1009; one just under does not")
    func oversizedInboundMessageCloses() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let customer = try #require(tenant.userIDs[.customer])
            let token = try await app.token(tenant, .customer)

            // a message just under the limit is read and ignored
            let fine = try await RawConnection.upgrade(app, query: "access_token=\(token)")
            defer { fine.connection.close() }
            #expect(fine.head.status == 101)
            try await fine.connection.sendFrame(opcode: 0x1, payload: Array(repeating: UInt8(ascii: "a"), count: 60 * 1024))
            try await fine.connection.sendFrame(opcode: 0x1, payload: Array(repeating: UInt8(ascii: "b"), count: 30 * 1024), fin: false)
            try await fine.connection.sendFrame(opcode: 0x0, payload: Array(repeating: UInt8(ascii: "c"), count: 30 * 1024))
            try await Task.sleep(for: .milliseconds(300))
            try await Self.emit(app, tenant.id, "test.still_open", .user(customer), "{}")
            let reply = try await fine.connection.readFrame(timeout: .seconds(15))
            #expect(reply?.opcode == 0x1, "expected an event, got opcode \(String(describing: reply?.opcode))")
            #expect(reply.map { String(decoding: $0.payload, as: UTF8.self) }?.contains("test.still_open") == true)

            // one frame over the limit, and a message over the limit in frames under it
            let single = try await RawConnection.upgrade(app, query: "access_token=\(token)")
            defer { single.connection.close() }
            #expect(single.head.status == 101)
            try await single.connection.sendFrame(opcode: 0x1, payload: Array(repeating: UInt8(ascii: "a"), count: 64 * 1024 + 1))
            let singleEnd = try await single.connection.readUntilClose(timeout: .seconds(10))
            #expect(singleEnd.closeCode == 1009, "one big frame: close \(String(describing: singleEnd.closeCode)), eof \(singleEnd.eof)")

            let fragmented = try await RawConnection.upgrade(app, query: "access_token=\(token)")
            defer { fragmented.connection.close() }
            #expect(fragmented.head.status == 101)
            for index in 0..<3 {
                try await fragmented.connection.sendFrame(
                    opcode: index == 0 ? 0x1 : 0x0, payload: Array(repeating: UInt8(ascii: "z"), count: 30 * 1024), fin: index == 2)
            }
            let fragmentedEnd = try await fragmented.connection.readUntilClose(timeout: .seconds(10))
            #expect(
                fragmentedEnd.closeCode == 1009,
                "fragmented message: close \(String(describing: fragmentedEnd.closeCode)), eof \(fragmentedEnd.eof)")
        }
    }

    // MARK: - 9. Presence

    @Test("presence: staff only, validated, and announced to staff on connect, status change and disconnect")
    func presence() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let agentID = try #require(tenant.userIDs[.agent])
            let customerToken = try await app.token(tenant, .customer)
            let agentToken = try await app.token(tenant, .agent)
            let adminToken = try await app.token(tenant, .admin)
            let base = Self.baseURL(app)

            // access and validation
            try await app.request(.put, "/v1/me/presence", token: customerToken, json: #"{"status":"busy"}"#).expectProblem(.forbidden)
            try await app.request(.get, "/v1/presence", token: customerToken).expectProblem(.forbidden)
            try await app.request(.get, "/v1/presence").expectProblem(.unauthorized)
            let unknown = try await app.request(.put, "/v1/me/presence", token: agentToken, json: #"{"status":"sleeping"}"#)
            #expect(try Self.pointers(unknown.expectProblem(.unprocessableContent)) == ["/status"])
            try await app.request(.put, "/v1/me/presence", token: agentToken, json: #"{}"#).expectProblem(.unprocessableContent)
            try await app.request(.put, "/v1/me/presence", token: agentToken, json: #"{"status":3}"#).expectProblem(.unprocessableContent)
            let initial = try await Self.presenceEntry(app, token: adminToken, user: agentID)
            #expect(initial?["reachable"] as? Bool == false)

            // setup: an admin watching over SSE, and a customer who must hear nothing of it
            let watcher = try await RealtimeClient.connect(.serverSentEvents, baseURL: base, token: adminToken)
            let customerStream = try await RealtimeClient.connect(.serverSentEvents, baseURL: base, token: customerToken)
            let start = try await Self.sync(
                app, tenant.id, audience: .users([tenant.userIDs[.admin]!, tenant.userIDs[.customer]!]), [watcher, customerStream])
            func agentChanges() -> [[String: Any]] {
                Self.after(start, watcher.events).filter { $0.type == "presence.changed" }.map(\.object)
                    .filter { ($0["userId"] as? String)?.lowercased() == agentID.uuidString.lowercased() }
            }

            // act: the agent connects
            let agent = try await RealtimeClient.connect(.webSocket, baseURL: base, token: agentToken)
            #expect(await watcher.recorder.wait { _ in agentChanges().count >= 1 }, "no presence.changed on connect")
            #expect(agentChanges().first?["reachable"] as? Bool == true)
            #expect(agentChanges().first?["status"] as? String == "available")
            let connected = try await Self.presenceEntry(app, token: adminToken, user: agentID)
            #expect(connected?["reachable"] as? Bool == true)
            #expect(connected?["status"] as? String == "available")

            // act: the agent changes status
            let busy = try await app.request(.put, "/v1/me/presence", token: agentToken, json: #"{"status":"busy"}"#)
            #expect(busy.status == .ok, "\(busy.text)")
            let busyBody = try busy.jsonObject()
            #expect(busyBody["status"] as? String == "busy")
            #expect(busyBody["reachable"] as? Bool == true)
            #expect(busyBody["role"] as? String == "agent")
            #expect(await watcher.recorder.wait { _ in agentChanges().count >= 2 }, "no presence.changed on status change")
            #expect(agentChanges().dropFirst().first?["status"] as? String == "busy")
            #expect(agentChanges().dropFirst().first?["reachable"] as? Bool == true)
            // the same status again announces nothing
            #expect(try await app.request(.put, "/v1/me/presence", token: agentToken, json: #"{"status":"busy"}"#).status == .ok)

            // act: the agent disconnects
            await agent.close()
            #expect(await watcher.recorder.wait { _ in agentChanges().count >= 3 }, "no presence.changed on disconnect")
            #expect(agentChanges().dropFirst(2).first?["reachable"] as? Bool == false)
            #expect(agentChanges().dropFirst(2).first?["status"] as? String == "busy")
            let gone = try await Self.presenceEntry(app, token: adminToken, user: agentID)
            #expect(gone?["reachable"] as? Bool == false)
            #expect(gone?["status"] as? String == "busy")

            // check: exactly three changes; the customer heard none of them
            try await Self.emit(app, tenant.id, "test.end", .users([tenant.userIDs[.admin]!, tenant.userIDs[.customer]!]), "{}")
            #expect(await watcher.recorder.waitForEvents(1, type: "test.end").count == 1)
            #expect(await customerStream.recorder.waitForEvents(1, type: "test.end").count == 1)
            #expect(agentChanges().count == 3, "\(agentChanges())")
            #expect(!customerStream.events.contains { $0.type == "presence.changed" })
            await watcher.close()
            await customerStream.close()
        }
    }

    // MARK: - Helpers

    static func baseURL(_ app: TestApp) -> String { "http://127.0.0.1:\(app.client.port!)" }

    static func emit(_ app: TestApp, _ tenantID: UUID, _ type: String, _ audience: EventAudience, _ payload: String) async throws {
        try await emitAll(app, tenantID, [(type, audience, payload)])
    }

    /// Emits `events` in one transaction.
    static func emitAll(_ app: TestApp, _ tenantID: UUID, _ events: [(String, EventAudience, String)]) async throws {
        try await app.database.withTenant(tenantID, logger: logger) { connection in
            for (type, audience, payload) in events {
                try await EventOutbox().emit(tenantID, type: type, audience: audience, payload: payload, on: connection, logger: logger)
            }
        }
    }

    /// Waits until every subscription is registered with the hub: emits `test.sync`
    /// events until each one has received the same one; returns that event's position.
    /// Only what comes after it is compared (a client may have caught earlier syncs).
    static func sync(
        _ app: TestApp, _ tenantID: UUID, audience: EventAudience, _ subscriptions: [RealtimeSubscription],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> EventPosition {
        let deadline = ContinuousClock.now + .seconds(20)
        var round = 0
        while ContinuousClock.now < deadline {
            round += 1
            let marker = "\(UUID())"
            try await emit(app, tenantID, "test.sync", audience, #"{"sync":"\#(marker)"}"#)
            var allGot = true
            for subscription in subscriptions {
                let got = await subscription.recorder.wait(timeout: .seconds(5)) { events in
                    events.contains { $0.type == "test.sync" && $0.object["sync"] as? String == marker }
                }
                if !got { allGot = false }
            }
            let ids = subscriptions.compactMap { subscription in
                subscription.events.first { $0.type == "test.sync" && $0.object["sync"] as? String == marker }?.id
            }
            if allGot, Set(ids).count == 1, let position = EventPosition(ids[0]) { return position }
        }
        Issue.record("clients never all received a sync event", sourceLocation: sourceLocation)
        throw TestSetupError("sync failed")
    }

    /// `events` after `position`, syncs excluded.
    static func after(_ position: EventPosition, _ events: [ReceivedEvent]) -> [ReceivedEvent] {
        events.filter { event in (EventPosition(event.id).map { $0 > position } ?? true) && event.type != "test.sync" }
    }

    static func expectStrictlyIncreasingIDs(_ events: [ReceivedEvent], sourceLocation: SourceLocation = #_sourceLocation) {
        let positions = events.map { EventPosition($0.id) }
        #expect(positions.allSatisfy { $0 != nil }, "ids that are not event ids: \(events.map(\.id))", sourceLocation: sourceLocation)
        let valid = positions.compactMap { $0 }
        #expect(
            zip(valid, valid.dropFirst()).allSatisfy { $0 < $1 }, "ids out of order or repeated: \(events.map(\.id))",
            sourceLocation: sourceLocation)
    }

    /// The tenant's events once `count` of them are below the horizon.
    static func committedEvents(_ app: TestApp, _ tenantID: UUID, count: Int) async throws -> [OutboxEvent] {
        let reader = OutboxReader(database: app.database)
        let deadline = ContinuousClock.now + .seconds(15)
        while true {
            let events = try await reader.events(tenantID, after: .start, limit: 100, logger: logger)
            if events.count >= count || ContinuousClock.now > deadline { return events }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static func presenceEntry(_ app: TestApp, token: String, user: UUID) async throws -> [String: Any]? {
        let response = try await app.request(.get, "/v1/presence", token: token)
        #expect(response.status == .ok, "\(response.text)")
        let items = try response.jsonObject()["items"] as? [[String: Any]] ?? []
        return items.first { ($0["userId"] as? String)?.lowercased() == user.uuidString.lowercased() }
    }

    static func pointers(_ problem: [String: Any]) -> [String] {
        (problem["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? []
    }

    /// A token refused with `status` by SSE (header and query, problem+json) and by the
    /// WebSocket upgrade (header and query).
    static func expectRefusedEverywhere(
        _ app: TestApp, token: String, status: Int, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let base = baseURL(app)
        let code = closeCode(forStatus: status)
        for inHeader in [false, true] {
            do {
                let accepted = try await RealtimeClient.connect(.serverSentEvents, baseURL: base, token: token, tokenInHeader: inHeader)
                Issue.record("\(label) token accepted by SSE (in header: \(inHeader))", sourceLocation: sourceLocation)
                await accepted.close()
            } catch let refused as RealtimeRefused {
                #expect(refused.status == status, "\(label) SSE: \(refused)", sourceLocation: sourceLocation)
            }
            try await expectWebSocketRefused(
                app, token: token, tokenInHeader: inHeader, code: code, "\(label) (in header: \(inHeader))",
                sourceLocation: sourceLocation)
        }
        let escaped = token.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? token
        let viaHeader = try await httpGet(app, "/v1/realtime/sse", headers: ["Authorization": "Bearer \(token)"])
        try viaHeader.expectProblem(status, label, sourceLocation: sourceLocation)
        let viaQuery = try await httpGet(app, "/v1/realtime/sse?access_token=\(escaped)")
        try viaQuery.expectProblem(status, label, sourceLocation: sourceLocation)
        for (query, headers) in [("access_token=\(escaped)", [String: String]()), (nil, ["Authorization": "Bearer \(token)"])] {
            try await expectUpgradeRefused(app, query: query, headers: headers, code: code, label, sourceLocation: sourceLocation)
        }
    }

    /// The WebSocket close code that stands for an admission's HTTP status (README, "Real-time").
    static func closeCode(forStatus status: Int) -> UInt16 {
        switch status {
        case 401: 4001
        case 422: 4422
        case 429: 4029
        default: 1011
        }
    }

    /// A raw upgrade request the server refuses: it answers 101 (a browser cannot read a
    /// failed handshake's status), then sends a close frame with `code` and a reason
    /// before any event, and ends the connection.
    @discardableResult
    static func expectUpgradeRefused(
        _ app: TestApp, query: String?, headers: [String: String] = [:], code: UInt16, _ label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let upgrade = try await RawConnection.upgrade(app, query: query, headers: headers)
        defer { upgrade.connection.close() }
        #expect(upgrade.head.status == 101, "\(label): upgrade answered \(upgrade.head.status)", sourceLocation: sourceLocation)
        let frame = try await upgrade.connection.readFrame(timeout: .seconds(10))
        #expect(frame?.opcode == 0x8, "\(label): first frame \(String(describing: frame?.opcode))", sourceLocation: sourceLocation)
        let payload = frame?.payload ?? []
        let received = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
        let reason = String(decoding: payload.dropFirst(2), as: UTF8.self)
        #expect(received == code, "\(label): closed with \(String(describing: received)) \"\(reason)\"", sourceLocation: sourceLocation)
        #expect(!reason.isEmpty, "\(label): the close frame gives no reason", sourceLocation: sourceLocation)
        return reason
    }

    /// A WebSocket the server refuses: upgraded, then closed with `code` before any
    /// event. (A raw socket, not HummingbirdWSClient: that client now and then misses a
    /// close frame that arrives in the same read as the 101 and waits for the server's
    /// 15 s close timeout.)
    static func expectWebSocketRefused(
        _ app: TestApp, token: String, lastEventID: String? = nil, tokenInHeader: Bool = false, code: UInt16, _ label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        var query: [String] = []
        if !tokenInHeader { query.append("access_token=\(token.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? token)") }
        if let lastEventID { query.append("lastEventId=\(lastEventID)") }
        try await expectUpgradeRefused(
            app, query: query.isEmpty ? nil : query.joined(separator: "&"),
            headers: tokenInHeader ? ["Authorization": "Bearer \(token)"] : [:], code: code, label, sourceLocation: sourceLocation)
    }

    /// A GET over AsyncHTTPClient that reads the body only when the answer is not a
    /// 200 (an accepted SSE stream never ends).
    static func httpGet(_ app: TestApp, _ path: String, headers: [String: String] = [:]) async throws -> RawHead {
        var request = HTTPClientRequest(url: baseURL(app) + path)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        guard response.status != .ok else { return RawHead(status: 200, headers: fields, body: "") }
        let body = try await response.body.collect(upTo: 1 << 20)
        return RawHead(status: Int(response.status.code), headers: fields, body: String(buffer: body))
    }
}

// MARK: - A bare TCP client

/// An HTTP response head (and body, when it has one) as read off the wire.
struct RawHead: Sendable {
    let status: Int
    /// Lower-cased names.
    let headers: [String: String]
    let body: String

    /// Checks an RFC 9457 problem with `status`; returns its JSON.
    @discardableResult
    func expectProblem(_ status: Int, _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        #expect(self.status == status, "\(label): expected \(status), got \(self.status): \(body)", sourceLocation: sourceLocation)
        #expect(
            headers["content-type"] == "application/problem+json", "\(label): content-type \(headers["content-type"] ?? "none")",
            sourceLocation: sourceLocation)
        guard let problem = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            Issue.record("\(label): body is not a JSON object: \(body)", sourceLocation: sourceLocation)
            return [:]
        }
        #expect(problem["status"] as? Int == status, "\(label)", sourceLocation: sourceLocation)
        #expect((problem["type"] as? String)?.hasPrefix("https://") == true, "\(label)", sourceLocation: sourceLocation)
        #expect(problem["detail"] is String, "\(label)", sourceLocation: sourceLocation)
        return problem
    }
}

/// A non-blocking TCP socket to the test server, driven by hand: it can upgrade to a
/// WebSocket and then stop reading (a slow consumer), send frames the regular
/// clients would not (oversized ones), and see refused upgrades' full answers.
final class RawConnection: @unchecked Sendable {
    private let descriptor: Int32
    private var pending: [UInt8] = []
    private var isClosed = false

    struct Frame {
        let fin: Bool
        let opcode: UInt8
        let payload: [UInt8]
    }

    init(port: Int, receiveBufferSize: Int32? = nil) throws {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw TestSetupError("socket() failed: errno \(errno)") }
        if var size = receiveBufferSize {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let error = errno
            _ = Self.closeDescriptor(descriptor)
            throw TestSetupError("connect() failed: errno \(error)")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL, 0) | O_NONBLOCK)
        self.descriptor = descriptor
    }

    deinit { close() }

    private static func closeDescriptor(_ descriptor: Int32) -> Int32 {
        #if canImport(Glibc)
            Glibc.close(descriptor)
        #else
            Darwin.close(descriptor)
        #endif
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        _ = Self.closeDescriptor(descriptor)
    }

    /// Sends `GET /v1/realtime?query` as a WebSocket upgrade and reads the answer's head
    /// (and its body, when it is not a 101).
    static func upgrade(
        _ app: TestApp, query: String?, headers: [String: String] = [:], receiveBufferSize: Int32? = nil
    ) async throws -> (connection: RawConnection, head: RawHead) {
        let connection = try RawConnection(port: app.client.port!, receiveBufferSize: receiveBufferSize)
        var request = "GET /v1/realtime\(query.map { "?" + $0 } ?? "") HTTP/1.1\r\n"
        request += "Host: 127.0.0.1:\(app.client.port!)\r\n"
        request += "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: \(Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())\r\n"
        request += "Sec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        try await connection.write(Array(request.utf8))
        let head = try await connection.readHead(timeout: .seconds(15))
        return (connection, head)
    }

    func write(_ bytes: [UInt8], timeout: Duration = .seconds(15)) async throws {
        var offset = 0
        let deadline = ContinuousClock.now + timeout
        while offset < bytes.count {
            let (written, error) = bytes[offset...].withUnsafeBytes { buffer -> (Int, Int32) in
                let written = send(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
                return (written, errno)
            }
            if written > 0 {
                offset += written
            } else if written < 0, error == EAGAIN || error == EWOULDBLOCK || error == EINTR {
                guard ContinuousClock.now < deadline else { throw TestSetupError("write timed out") }
                try await Task.sleep(for: .milliseconds(5))
            } else {
                throw TestSetupError("send() failed: errno \(error)")
            }
        }
    }

    /// Reads whatever arrives next into `pending`; false at end of stream, throws on timeout.
    private func fill(deadline: ContinuousClock.Instant) async throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let (count, error) = chunk.withUnsafeMutableBytes { buffer -> (Int, Int32) in
                let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
                return (count, errno)
            }
            if count > 0 {
                pending.append(contentsOf: chunk[..<count])
                return true
            }
            if count == 0 || error == ECONNRESET { return false }
            guard error == EAGAIN || error == EWOULDBLOCK || error == EINTR else { throw TestSetupError("recv() failed: errno \(error)") }
            guard ContinuousClock.now < deadline else { throw TestSetupError("read timed out") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    private func take(_ count: Int, deadline: ContinuousClock.Instant) async throws -> [UInt8]? {
        while pending.count < count {
            guard try await fill(deadline: deadline) else { return nil }
        }
        let bytes = Array(pending[..<count])
        pending.removeFirst(count)
        return bytes
    }

    func readHead(timeout: Duration) async throws -> RawHead {
        let deadline = ContinuousClock.now + timeout
        let separator = Array("\r\n\r\n".utf8)
        var end: Int?
        while end == nil {
            if pending.count >= 4 {
                end = (0...(pending.count - 4)).first { Array(pending[$0..<($0 + 4)]) == separator }
            }
            if end == nil, !(try await fill(deadline: deadline)) { throw TestSetupError("connection closed before a response head") }
        }
        let headText = String(decoding: pending[..<end!], as: UTF8.self)
        pending.removeFirst(end! + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        let status = statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = ""
        if status != 101, let length = headers["content-length"].flatMap(Int.init), length > 0 {
            body = String(decoding: try await take(length, deadline: deadline) ?? [], as: UTF8.self)
        }
        return RawHead(status: status, headers: headers, body: body)
    }

    /// Sends one masked client frame.
    func sendFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true) async throws {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame.append(0x80 | 126)
            frame.append(contentsOf: [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)])
        } else {
            frame.append(0x80 | 127)
            frame.append(contentsOf: (0..<8).reversed().map { UInt8((UInt64(payload.count) >> (UInt64($0) * 8)) & 0xFF) })
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame.append(contentsOf: mask)
        frame.append(contentsOf: payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        try await write(frame)
    }

    /// The next server frame; nil at end of stream.
    func readFrame(timeout: Duration) async throws -> Frame? {
        let deadline = ContinuousClock.now + timeout
        guard let header = try await take(2, deadline: deadline) else { return nil }
        var length = UInt64(header[1] & 0x7F)
        if length == 126 {
            guard let extended = try await take(2, deadline: deadline) else { return nil }
            length = UInt64(extended[0]) << 8 | UInt64(extended[1])
        } else if length == 127 {
            guard let extended = try await take(8, deadline: deadline) else { return nil }
            length = extended.reduce(0) { $0 << 8 | UInt64($1) }
        }
        var mask: [UInt8]?
        if header[1] & 0x80 != 0 { mask = try await take(4, deadline: deadline) }
        guard var payload = try await take(Int(length), deadline: deadline) else { return nil }
        if let mask { payload = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] } }
        return Frame(fin: header[0] & 0x80 != 0, opcode: header[0] & 0x0F, payload: payload)
    }

    /// Reads frames until a close frame or the end of the stream.
    func readUntilClose(timeout: Duration) async throws -> (textFrames: Int, closeCode: UInt16?, eof: Bool) {
        let deadline = ContinuousClock.now + timeout
        var textFrames = 0
        while ContinuousClock.now < deadline {
            let frame: Frame?
            do {
                frame = try await readFrame(timeout: deadline - ContinuousClock.now)
            } catch {
                return (textFrames, nil, false)
            }
            guard let frame else { return (textFrames, nil, true) }
            switch frame.opcode {
            case 0x1: textFrames += 1
            case 0x8:
                let code = frame.payload.count >= 2 ? UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1]) : nil
                return (textFrames, code, false)
            default: break
            }
        }
        return (textFrames, nil, false)
    }
}
