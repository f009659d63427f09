import Logging
import ServiceLifecycle

/// Runs `round` every `interval` until the service group shuts down (or the task is
/// cancelled): the loop of the periodic services every node runs (call deadlines,
/// dashboard rollups, event retention). A failed round is logged as `failure` and the next
/// one runs as usual: these services must outlive a database outage.
public func repeatEvery(
    _ interval: Duration, logger: Logger, failure: String, _ round: () async throws -> Void
) async {
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
        do {
            try await round()
        } catch {
            logger.warning("\(failure)", metadata: ["error": "\(String(reflecting: error))"])
        }
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
    }
}
