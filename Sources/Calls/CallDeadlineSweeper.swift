import Logging
import Persistence
import ServiceLifecycle

/// Enforces stored call deadlines on every node, once a second: ring timeouts
/// (round robin moves on, others are missed) and the end of agents' wrap-up.
/// Rows are claimed with SKIP LOCKED, so nodes share the work and a restart loses
/// nothing.
public struct CallDeadlineSweeper: Service {
    let calls: CallService
    let interval: Duration
    let logger: Logger

    public init(calls: CallService, interval: Duration = .seconds(1), logger: Logger) {
        self.calls = calls
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await repeatEvery(interval, logger: logger, failure: "enforcing call deadlines failed") {
            try await calls.enforceDeadlines(logger: logger)
        }
    }
}
