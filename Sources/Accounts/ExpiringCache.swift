import Synchronization

/// A small string-keyed cache whose entries expire after `lifetime`: how webhook
/// intake avoids a database round trip (and a secret decryption) per delivery.
/// Bounded: past `limit` entries it starts over, so invented keys cannot grow it.
public final class ExpiringCache<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: (value: Value, until: ContinuousClock.Instant)]>([:])
    let lifetime: Duration
    let limit: Int

    public init(lifetime: Duration, limit: Int = 10_000) {
        self.lifetime = lifetime
        self.limit = limit
    }

    public func value(_ key: String) -> Value? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[key], entry.until > now else { return nil }
            return entry.value
        }
    }

    public func store(_ value: Value, for key: String) {
        let until = ContinuousClock.now.advanced(by: lifetime)
        entries.withLock { entries in
            if entries.count >= limit { entries.removeAll() }
            entries[key] = (value, until)
        }
    }
}
