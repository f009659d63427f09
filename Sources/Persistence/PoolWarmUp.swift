import Logging
import PostgresNIO

/// Opens a pool's connections once, before the first burst of work needs them.
///
/// PostgresNIO opens connections on demand, so a pool grows while load rises, and each
/// new connection's authentication and first statement preparations land on the
/// requests of that moment: at the 1,000/s step of `ops/bench whatsapp` the webhook
/// acknowledgement p99 was 62–125 ms with a growing pool and 12 ms with a full one.
/// The pool's own `minimumConnections` would keep connections open, but postgres-nio
/// 1.33.2 crashes on it (a precondition in `PoolStateMachine.ConnectionGroup`) once an
/// outage leaves fewer connections than the minimum. So the pool is filled here by
/// holding `connections` leases at the same time; after that, its keep-alive
/// keeps them until they sit idle for its idle timeout (a day: `DatabaseURL`).
enum PoolWarmUp {
    /// Holds up to `connections` leases at once, for at most `within`, then lets them go.
    static func fill(_ client: PostgresClient, connections: Int, within: Duration, logger: Logger) async {
        let held = LeaseCounter()
        let deadline = ContinuousClock.now + within
        let filling = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<connections {
                    group.addTask {
                        try? await client.withConnection { _ in
                            // Each lease waits for the others, so the pool cannot lend
                            // one connection over and over; none waits past the deadline.
                            _ = held.add(1)
                            while held.add(0) < connections, ContinuousClock.now < deadline, !Task.isCancelled {
                                try? await Task.sleep(for: .milliseconds(5))
                            }
                        }
                    }
                }
            }
        }
        let timer = Task {
            try? await Task.sleep(until: deadline)
            filling.cancel()
        }
        await filling.value
        timer.cancel()
        logger.debug("database pool warmed", metadata: ["connections": "\(held.add(0))", "wanted": "\(connections)"])
    }
}
