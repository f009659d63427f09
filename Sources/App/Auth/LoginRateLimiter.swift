import Foundation
import Synchronization

/// Counts failed logins per account and per client address in a sliding window; past
/// the limit, further attempts are refused with the seconds until the oldest failure ages out.
///
/// State is per node: with N nodes an attacker gets at most N times the limit, which
/// still turns a password-guessing run from millions of tries into dozens.
final class LoginRateLimiter: Sendable {
    private let limits: LoginLimits
    private let failures = Mutex<[String: [ContinuousClock.Instant]]>([:])
    private static let maximumKeys = 200_000

    init(limits: LoginLimits) {
        self.limits = limits
    }

    /// Seconds to wait, or nil when an attempt may go ahead.
    func retryAfter(account: String, address: String) -> Int? {
        let now = ContinuousClock.now
        return failures.withLock { failures in
            [
                wait(failures["account:\(account)"], limit: limits.failuresPerAccount, now: now),
                wait(failures["address:\(address)"], limit: limits.failuresPerAddress, now: now),
            ].compactMap { $0 }.max()
        }
    }

    func recordFailure(account: String, address: String) {
        let now = ContinuousClock.now
        failures.withLock { failures in
            if failures.count >= Self.maximumKeys { failures = failures.filter { now - ($0.value.last ?? now) < limits.window } }
            for key in ["account:\(account)", "address:\(address)"] {
                var times = (failures[key] ?? []).filter { now - $0 < limits.window }
                times.append(now)
                failures[key] = Array(times.suffix(max(limits.failuresPerAccount, limits.failuresPerAddress)))
            }
        }
    }

    /// A successful login clears the account's failures (not the address's).
    func recordSuccess(account: String) {
        _ = failures.withLock { $0.removeValue(forKey: "account:\(account)") }
    }

    private func wait(_ times: [ContinuousClock.Instant]?, limit: Int, now: ContinuousClock.Instant) -> Int? {
        let recent = (times ?? []).filter { now - $0 < limits.window }
        guard recent.count >= limit, let oldest = recent.suffix(limit).first else { return nil }
        let remaining = limits.window - (now - oldest)
        return max(1, Int(remaining.components.seconds) + 1)
    }
}
