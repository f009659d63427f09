import Synchronization

/// Values read from the database and kept for at most `lifetime` since their read
/// began: what lets webhook intake skip a round trip (and a secret decryption) per
/// delivery, and the authenticator a session check per request.
///
/// A busy key is never read by its requests: once its entry is older than
/// `refreshAfter`, the next request starts one read in the background and is answered
/// from the entry, so the entry is renewed before it expires. Only a key nobody asked
/// for lately waits for a read, and requests that wait for the same key share one read.
/// Before, every expiry of a busy key sent each request that came in during the read to
/// the database on its own: at 2,000 webhooks a second, dozens of reads at once, and
/// acknowledgements of 60-170 ms behind them (`ops/bench whatsapp`).
///
/// A read that began before `invalidate` is not kept. Bounded: past `limit` entries the
/// expired ones go, and if that is not enough, all of them (so invented keys cannot grow
/// it).
public final class RefreshingCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    public typealias Load = @Sendable () async throws -> Value?

    private struct Entry {
        var value: Value?
        var readAt: ContinuousClock.Instant?
        var reading: Task<Value?, any Error>?
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Raised by `invalidate`: a read begun under an older one is not kept.
        var generation = 0
    }

    private let state = Mutex(State())
    let lifetime: Duration
    let refreshAfter: Duration
    let limit: Int

    public init(lifetime: Duration, refreshAfter: Duration? = nil, limit: Int = 10_000) {
        precondition(lifetime > .zero)
        self.lifetime = lifetime
        self.refreshAfter = min(refreshAfter ?? lifetime * 0.75, lifetime)
        self.limit = limit
    }

    /// How many keys it holds now (read or being read).
    public var count: Int { state.withLock { $0.entries.count } }

    private enum Lookup {
        case fresh(Value)
        case wait(Task<Value?, any Error>)
    }

    /// The value for `key`: the entry while it is younger than `lifetime`, else what
    /// `load` reads (one read at a time per key). A nil from `load` is answered, not kept.
    public func value(for key: Key, load: @escaping Load) async throws -> Value? {
        let now = ContinuousClock.now
        let lookup = state.withLock { state -> Lookup in
            let entry = state.entries[key]
            if let value = entry?.value, let readAt = entry?.readAt, now - readAt < lifetime {
                if now - readAt >= refreshAfter, entry?.reading == nil {
                    let reading = read(key, load, in: &state)
                    state.entries[key]?.reading = reading
                }
                return .fresh(value)
            }
            if let reading = entry?.reading { return .wait(reading) }
            let reading = read(key, load, in: &state)
            state.entries[key, default: Entry()].reading = reading
            return .wait(reading)
        }
        switch lookup {
        case .fresh(let value): return value
        case .wait(let reading): return try await reading.value
        }
    }

    /// Reads `key` now, whatever the entry's age (the caller has reason to think it
    /// changed), and keeps what it reads.
    public func refreshed(for key: Key, load: Load) async throws -> Value? {
        let (generation, readAt) = state.withLock { ($0.generation, ContinuousClock.now) }
        let value = try await load()
        if let value {
            state.withLock { state in
                if state.generation == generation { keep(value, for: key, readAt: readAt, in: &state) }
            }
        }
        return value
    }

    /// Forgets every entry whose value matches, and any read still under way.
    public func invalidate(where matches: (Value) -> Bool) {
        state.withLock { state in
            state.generation += 1
            // Reads under way may have begun before the change: later requests must not wait for them.
            state.entries = state.entries.filter { _, entry in entry.value.map { !matches($0) } ?? false }
            for key in state.entries.keys { state.entries[key]?.reading = nil }
        }
    }

    /// Starts the read of `key`; when it ends, it keeps its value (unless invalidated
    /// since) and clears itself. Called with the lock held.
    private func read(_ key: Key, _ load: @escaping Load, in state: inout State) -> Task<Value?, any Error> {
        let generation = state.generation
        let started = ContinuousClock.now
        return Task {
            let value: Value?
            do {
                value = try await load()
            } catch {
                self.state.withLock { state in self.finishRead(key, generation: generation, in: &state) }
                throw error
            }
            self.state.withLock { state in
                self.finishRead(key, generation: generation, in: &state)
                if let value, state.generation == generation { self.keep(value, for: key, readAt: started, in: &state) }
            }
            return value
        }
    }

    private func finishRead(_ key: Key, generation: Int, in state: inout State) {
        guard state.generation == generation else { return }
        state.entries[key]?.reading = nil
        if state.entries[key]?.value == nil { state.entries[key] = nil }
    }

    private func keep(_ value: Value, for key: Key, readAt: ContinuousClock.Instant, in state: inout State) {
        if state.entries[key] == nil, state.entries.count >= limit {
            let now = ContinuousClock.now
            state.entries = state.entries.filter { _, entry in
                entry.reading != nil || entry.readAt.map { now - $0 < lifetime } ?? false
            }
            if state.entries.count >= limit { state.entries.removeAll() }
        }
        if let earlier = state.entries[key]?.readAt, earlier > readAt { return }  // a newer read is kept already
        state.entries[key, default: Entry()].value = value
        state.entries[key]?.readAt = readAt
    }
}
