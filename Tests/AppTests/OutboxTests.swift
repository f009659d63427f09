import Accounts
import Foundation
import Logging
import Persistence
import PostgresNIO
import Realtime
import Synchronization
import Testing

/// The outbox's reading position must never skip an event, whatever order the
/// emitting transactions commit in.
@Suite("Event outbox: gap-free reading in commit-safe order")
struct OutboxTests {
    static let logger = Logger(label: "outbox-tests")

    /// Opens a tenant transaction that emits one event (after optionally taking its
    /// transaction id first) and stays open until `release` is resumed.
    static func heldTransaction(
        _ app: TestApp, tenant: UUID, marker: String, takeTransactionIDFirst: Bool = false,
        emitAfter: AsyncStream<Void>? = nil, release: AsyncStream<Void>, emitted: AsyncStream<Void>.Continuation
    ) -> Task<Void, any Error> {
        Task {
            try await app.database.withTenant(tenant, logger: logger) { connection in
                if takeTransactionIDFirst {
                    try await connection.query("SELECT pg_current_xact_id()", logger: logger)
                    emitted.yield()
                }
                if let emitAfter { for await _ in emitAfter { break } }
                try await EventOutbox().emit(
                    tenant, type: "test.marker", audience: .staff, payload: #"{"marker":"\#(marker)"}"#,
                    on: connection, logger: logger
                )
                if !takeTransactionIDFirst { emitted.yield() }
                for await _ in release { break }
            }
        }
    }

    /// Reads until `count` events arrived (or 10 s passed). Delivery waits for every
    /// older transaction on the server to end, including other tests' open ones, so
    /// a committed event is certain to arrive but not at once.
    static func read(
        _ count: Int, tenant: UUID? = nil, from reader: OutboxReader
    ) async throws -> [OutboxEvent] {
        let deadline = ContinuousClock.now + .seconds(10)
        var events: [OutboxEvent] = []
        while ContinuousClock.now < deadline {
            events =
                if let tenant {
                    try await reader.events(tenant, after: .start, limit: 100, logger: logger)
                } else {
                    try await reader.events(after: .start, limit: 100, logger: logger)
                }
            if events.count >= count { return events }
            try await Task.sleep(for: .milliseconds(20))
        }
        return events
    }

    static func markers(_ events: [OutboxEvent]) -> [String] {
        events.compactMap { event in
            (try? JSONSerialization.jsonObject(with: Data(event.payload.utf8)) as? [String: String])?["marker"]
        }
    }

    @Test("an event is readable once its transaction commits, with its audience and data")
    func emitAndRead() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let agent = tenant.userIDs[.agent]!
            try await app.database.withTenant(tenant.id, logger: Self.logger) { connection in
                try await EventOutbox().emit(
                    tenant.id, type: "call.ringing", audience: .user(agent), payload: #"{"callId":"c1"}"#,
                    on: connection, logger: Self.logger
                )
            }
            let events = try await Self.read(1, from: OutboxReader(database: app.database))
            let event = try #require(events.first)
            #expect(events.count == 1)
            #expect(event.type == "call.ringing")
            #expect(event.tenantID == tenant.id)
            #expect(event.audience.includes(userID: agent, role: .agent))
            #expect(!event.audience.includes(userID: tenant.userIDs[.admin]!, role: .admin))
            #expect(event.payload.contains("c1"))
            #expect(EventPosition(event.position.description) == event.position)
        }
    }

    @Test("a later-started transaction that commits first is held back until the earlier one ends")
    func heldBehindOlderTransaction() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let reader = OutboxReader(database: app.database)
            let (releaseSlow, releaseSlowGo) = AsyncStream<Void>.makeStream()
            let (slowEmitted, slowEmittedGo) = AsyncStream<Void>.makeStream()
            // setup: the slow transaction inserts first (smaller id, smaller transaction id) and stays open
            let slow = Self.heldTransaction(app, tenant: tenant.id, marker: "slow", release: releaseSlow, emitted: slowEmittedGo)
            for await _ in slowEmitted { break }
            try await app.database.withTenant(tenant.id, logger: Self.logger) { connection in
                try await EventOutbox().emit(
                    tenant.id, type: "test.marker", audience: .staff, payload: #"{"marker":"fast"}"#, on: connection, logger: Self.logger
                )
            }
            // check: the fast event has committed but is not delivered past the open one
            #expect(try await reader.events(after: .start, limit: 10, logger: Self.logger).isEmpty)
            // act: the slow transaction commits
            releaseSlowGo.yield()
            try await slow.value
            let events = try await Self.read(2, from: reader)
            #expect(Self.markers(events) == ["slow", "fast"])
        }
    }

    @Test("a transaction that took its id first but inserts last is still read before later ids")
    func transactionIDOrderNotInsertOrder() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let reader = OutboxReader(database: app.database)
            let (release, releaseGo) = AsyncStream<Void>.makeStream()
            let (emitNow, emitNowGo) = AsyncStream<Void>.makeStream()
            let (started, startedGo) = AsyncStream<Void>.makeStream()
            // setup: "early" takes a transaction id, then waits before inserting
            let early = Self.heldTransaction(
                app, tenant: tenant.id, marker: "early", takeTransactionIDFirst: true,
                emitAfter: emitNow, release: release, emitted: startedGo
            )
            for await _ in started { break }
            // "late" gets a larger transaction id but inserts (a smaller row id) and commits first
            try await app.database.withTenant(tenant.id, logger: Self.logger) { connection in
                try await EventOutbox().emit(
                    tenant.id, type: "test.marker", audience: .staff, payload: #"{"marker":"late"}"#, on: connection, logger: Self.logger
                )
            }
            #expect(try await reader.events(after: .start, limit: 10, logger: Self.logger).isEmpty)
            emitNowGo.yield()
            releaseGo.yield()
            try await early.value
            let events = try await Self.read(2, from: reader)
            #expect(Self.markers(events) == ["early", "late"])
            #expect(events[0].position < events[1].position)
            #expect(events[0].position.eventID > events[1].position.eventID, "row ids alone would have reordered these")
        }
    }

    @Test("out-of-order commits under concurrency: a polling reader gets every event exactly once, in order")
    func concurrentOutOfOrderCommits() async throws {
        try await TestApp.run(configure: { $0.databaseMaxConnections = 10 }) { app in
            let tenant = try await app.seedTenant("acme")
            let reader = OutboxReader(database: app.database)
            let writers = 60
            let done = ManagedFlag()

            // A reader polls while writers commit in random order. Once all have
            // committed it keeps polling until every event arrived (delivery may wait
            // for other tests' transactions), then once more to catch duplicates.
            let collector = Task { () -> [OutboxEvent] in
                var position = EventPosition.start
                var seen: [OutboxEvent] = []
                var deadline: ContinuousClock.Instant?
                while true {
                    if deadline == nil, done.isSet { deadline = ContinuousClock.now + .seconds(15) }
                    let batch = try await reader.events(after: position, limit: 7, logger: Self.logger)
                    seen += batch
                    if let last = batch.last { position = last.position }
                    if let deadline, seen.count >= writers || ContinuousClock.now > deadline {
                        seen += try await reader.events(after: position, limit: 7, logger: Self.logger)
                        return seen
                    }
                    if batch.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<writers {
                    group.addTask {
                        try await app.database.withTenant(tenant.id, logger: Self.logger) { connection in
                            try await EventOutbox().emit(
                                tenant.id, type: "test.marker", audience: .staff, payload: #"{"marker":"\#(index)"}"#,
                                on: connection, logger: Self.logger
                            )
                            // Hold the transaction a random while so commits interleave.
                            try await Task.sleep(for: .milliseconds(Int.random(in: 0...40)))
                        }
                    }
                }
                try await group.waitForAll()
            }
            done.set()
            let seen = try await collector.value
            let markers = Self.markers(seen)
            #expect(markers.count == writers, "missing or duplicated: \(markers.sorted())")
            #expect(Set(markers) == Set((0..<writers).map(String.init)))
            #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.position < $1.position }, "positions must strictly increase")
        }
    }

    @Test("a tenant's replay sees only its own events")
    func replayIsTenantScoped() async throws {
        try await TestApp.run { app in
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            for tenant in [acme, globex] {
                try await app.database.withTenant(tenant.id, logger: Self.logger) { connection in
                    try await EventOutbox().emit(
                        tenant.id, type: "test.marker", audience: .staff, payload: #"{"marker":"\#(tenant.slug)"}"#,
                        on: connection, logger: Self.logger
                    )
                }
            }
            let reader = OutboxReader(database: app.database)
            #expect(try await Self.read(2, from: reader).count == 2)
            #expect(Self.markers(try await Self.read(1, tenant: acme.id, from: reader)) == ["acme"])
            #expect(Self.markers(try await Self.read(1, tenant: globex.id, from: reader)) == ["globex"])
        }
    }

    @Test("retention prunes only events past the window")
    func retention() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            try await app.database.withTenant(tenant.id, logger: Self.logger) { connection in
                try await EventOutbox().emit(
                    tenant.id, type: "test.marker", audience: .staff, payload: #"{"marker":"now"}"#, on: connection, logger: Self.logger
                )
            }
            let retention = EventRetention(database: app.database, retention: .seconds(3600), logger: Self.logger)
            #expect(try await retention.prune() == 0)
            #expect(try await retention.prune(now: Date().addingTimeInterval(7200)) == 1)
        }
    }

    @Test("event ids round-trip and reject garbage")
    func positions() {
        #expect(EventPosition("123-45") == EventPosition(transactionID: 123, eventID: 45))
        #expect(EventPosition("123") == nil)
        #expect(EventPosition("a-1") == nil)
        #expect(EventPosition("1-2-3") == nil)
        #expect(EventPosition(transactionID: 1, eventID: 9) < EventPosition(transactionID: 2, eventID: 1))
    }
}

/// A flag set once by one task and read by another.
final class ManagedFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}
