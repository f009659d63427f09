import Accounts
import Synchronization
import Testing

/// The cache in front of session checks and webhook secrets: one read per key at a
/// time, answers never older than the lifetime, busy keys renewed in the background.
@Suite struct RefreshingCacheTests {
    /// A load that counts its calls, answers `value()` after `delay`, or throws while `failing`.
    final class Source: Sendable {
        private let state = Mutex((calls: 0, value: 1, failing: false))
        let delay: Duration

        init(delay: Duration = .zero) { self.delay = delay }

        var calls: Int { state.withLock { $0.calls } }
        func set(_ value: Int) { state.withLock { $0.value = value } }
        func fail(_ failing: Bool) { state.withLock { $0.failing = failing } }

        func load() async throws -> Int? {
            let (value, failing) = state.withLock { state in
                state.calls += 1
                return (state.value, state.failing)
            }
            if delay > .zero { try await Task.sleep(for: delay) }
            if failing { throw Failure() }
            return value
        }
    }

    struct Failure: Error {}

    @Test("requests that miss together share one read")
    func concurrentMissesShareOneRead() async throws {
        let cache = RefreshingCache<String, Int>(lifetime: .seconds(60))
        let source = Source(delay: .milliseconds(50))
        let answers = try await withThrowingTaskGroup(of: Int?.self) { group in
            for _ in 0..<50 { group.addTask { try await cache.value(for: "k", load: source.load) } }
            return try await group.reduce(into: [Int?]()) { $0.append($1) }
        }
        #expect(answers == Array(repeating: 1, count: 50))
        #expect(source.calls == 1)
        // Kept: the next request reads nothing.
        #expect(try await cache.value(for: "k", load: source.load) == 1)
        #expect(source.calls == 1)
    }

    @Test("an answer older than the lifetime is never given: an idle key waits for a new read")
    func expiredEntriesAreReadAgain() async throws {
        let cache = RefreshingCache<String, Int>(lifetime: .milliseconds(100))
        let source = Source()
        #expect(try await cache.value(for: "k", load: source.load) == 1)
        source.set(2)
        try await Task.sleep(for: .milliseconds(150))
        #expect(try await cache.value(for: "k", load: source.load) == 2)
        #expect(source.calls == 2)
    }

    @Test("a busy key is renewed in the background: the request is answered from the entry meanwhile")
    func busyKeysAreRenewedAhead() async throws {
        let cache = RefreshingCache<String, Int>(lifetime: .seconds(20), refreshAfter: .seconds(3))
        let source = Source(delay: .seconds(1))
        #expect(try await cache.value(for: "k", load: source.load) == 1)
        source.set(2)
        try await Task.sleep(for: .milliseconds(2200))
        // Past refreshAfter: answered from the entry without waiting for the 1 s read it starts.
        var answer: Int?
        let took = try await ContinuousClock().measure { answer = try await cache.value(for: "k", load: source.load) }
        #expect(answer == 1)
        #expect(took < .milliseconds(500))
        // One read at a time: the next request neither waits nor reads.
        #expect(try await cache.value(for: "k", load: source.load) == 1)
        // Once that read is in, its answer is given (and, fresh again, nothing is read).
        try await Task.sleep(for: .milliseconds(1300))
        #expect(try await cache.value(for: "k", load: source.load) == 2)
        #expect(source.calls == 2)
    }

    @Test("nil is answered but not kept (unknown keys cost a read each, and no room)")
    func nilIsNotKept() async throws {
        let cache = RefreshingCache<String, Int>(lifetime: .seconds(60))
        let calls = Mutex(0)
        for _ in 0..<3 {
            let answer = try await cache.value(for: "unknown") {
                calls.withLock { $0 += 1 }
                return nil
            }
            #expect(answer == nil)
        }
        #expect(calls.withLock { $0 } == 3)
    }

    @Test("a failed read fails the requests waiting for it, and the next request reads again")
    func failedReadsAreRetried() async throws {
        let cache = RefreshingCache<String, Int>(lifetime: .seconds(60))
        let source = Source()
        source.fail(true)
        await #expect(throws: Failure.self) { try await cache.value(for: "k", load: source.load) }
        source.fail(false)
        #expect(try await cache.value(for: "k", load: source.load) == 1)
        #expect(source.calls == 2)
    }

    @Test("invalidating forgets matching entries, and a read begun before it is not kept nor waited for")
    func invalidationBeatsReadsUnderWay() async throws {
        let cache = RefreshingCache<String, Int>(lifetime: .seconds(60))
        let slow = Source(delay: .milliseconds(200))
        // A read under way with the old value...
        let early = Task { try await cache.value(for: "k", load: slow.load) }
        try await Task.sleep(for: .milliseconds(50))
        // ...then the value changes and this node invalidates.
        slow.set(2)
        cache.invalidate { _ in true }
        let fresh = Source()
        fresh.set(3)
        #expect(try await cache.value(for: "k", load: fresh.load) == 3)
        #expect(try await early.value == 1)
        // The early read's answer did not replace the newer one.
        #expect(try await cache.value(for: "k", load: fresh.load) == 3)
        #expect(fresh.calls == 1)

        let other = RefreshingCache<String, Int>(lifetime: .seconds(60))
        #expect(try await other.value(for: "a") { 1 } == 1)
        #expect(try await other.value(for: "b") { 2 } == 2)
        other.invalidate { $0 == 1 }
        #expect(try await other.value(for: "a") { 10 } == 10)
        #expect(try await other.value(for: "b") { 20 } == 2)
    }

    @Test("refreshed reads now and keeps what it read")
    func refreshedReadsNow() async throws {
        let cache = RefreshingCache<String, Int>(lifetime: .seconds(60))
        let source = Source()
        #expect(try await cache.value(for: "k", load: source.load) == 1)
        source.set(2)
        #expect(try await cache.refreshed(for: "k", load: source.load) == 2)
        #expect(try await cache.value(for: "k", load: source.load) == 2)
        #expect(source.calls == 2)
    }

    @Test("past its limit the cache drops what expired, then everything: invented keys cannot grow it")
    func bounded() async throws {
        let cache = RefreshingCache<Int, Int>(lifetime: .seconds(60), limit: 10)
        for key in 0..<25 { _ = try await cache.value(for: key) { key } }
        #expect(cache.count <= 10)
    }
}
