import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// Watches a provider's processing backlog from the database, as the superuser (no
/// row-level security, so every tenant's deliveries count): how many stored deliveries
/// of `table` (`whatsapp_deliveries`, `razorpay_deliveries`) are not processed yet,
/// sampled every `interval`, and per step how long processing took. Runs on an event
/// loop of its own so it never delays the timed traffic.
final class DeliveryBacklog: @unchecked Sendable {
    let connection: PostgresConnection
    let logger: Logger
    /// A table name from the code (`Table`), never from input.
    let table: String
    private let lock = NIOLock()
    /// (wall ns, unprocessed deliveries).
    private var samples: [(Int64, Int)] = []
    private var poller: Task<Void, Never>?

    enum Table: String {
        case whatsapp = "whatsapp_deliveries"
        case razorpay = "razorpay_deliveries"
    }

    private init(connection: PostgresConnection, logger: Logger, table: Table) {
        self.connection = connection
        self.logger = logger
        self.table = table.rawValue
    }

    static func connect(url: String, table: Table, on loop: EventLoop) async throws -> DeliveryBacklog {
        guard let components = URLComponents(string: url), let host = components.host, let user = components.user else {
            throw ValidationFailure("the superuser URL must look like postgres://user:password@host:port/database")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var configuration = PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database.isEmpty ? nil : database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        var logger = Logger(label: "loadgen.backlog")
        logger.logLevel = .error
        let connection = try await PostgresConnection.connect(on: loop, configuration: configuration, id: 1, logger: logger)
        return DeliveryBacklog(connection: connection, logger: logger, table: table)
    }

    func unprocessed() async throws -> Int {
        let rows = try await connection.query(
            "SELECT count(*) FROM \(unescaped: table) WHERE processed_at IS NULL", logger: logger)
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    /// Transactions committed and rolled back in this database so far.
    func transactions() async throws -> (commits: Int64, rollbacks: Int64) {
        let rows = try await connection.query(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()", logger: logger)
        for try await (c, r) in rows.decode((Int64, Int64).self) { return (c, r) }
        return (0, 0)
    }

    /// Samples the backlog every `interval` until `stop()`.
    func start(interval: Duration) {
        poller = Task {
            while !Task.isCancelled {
                if let count = try? await unprocessed() {
                    let now = wallNanos()
                    lock.withLock { samples.append((now, count)) }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    func stop() {
        poller?.cancel()
    }

    /// The latest sample: unprocessed deliveries, and its wall time.
    var latest: (at: Int64, count: Int)? { lock.withLock { samples.last.map { ($0.0, $0.1) } } }

    /// Samples since `from` (wall ns), as [seconds after `from`, unprocessed].
    func timeline(from: Int64) -> [[Double]] {
        lock.withLock {
            samples.filter { $0.0 >= from }.map { [(Double($0.0 - from) / 1e7).rounded() / 100, Double($0.1)] }
        }
    }

    /// The deliveries received since `since` (wall ns): how many, how many processed,
    /// how long each waited for processing, and when the last was processed.
    func deliveries(since: Int64, loadEnd: Int64) async throws -> [String: Any] {
        let sinceSeconds = Double(since) / 1e9 - 0.001
        let loadEndSeconds = Double(loadEnd) / 1e9
        let rows = try await connection.query(
            """
            SELECT count(*), count(processed_at),
                   count(*) FILTER (WHERE processed_at <= to_timestamp(\(loadEndSeconds))),
                   coalesce(extract(epoch FROM max(processed_at))::float8, 0),
                   coalesce((percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at)))::float8, -1),
                   coalesce((percentile_disc(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at)))::float8, -1),
                   coalesce(max(extract(epoch FROM processed_at - received_at))::float8, -1),
                   coalesce(max(attempts), 0)::int8, count(*) FILTER (WHERE last_error IS NOT NULL)
            FROM \(unescaped: table) WHERE received_at >= to_timestamp(\(sinceSeconds))
            """,
            logger: logger)
        var out: [String: Any] = [:]
        for try await (stored, processed, processedDuringLoad, lastProcessed, p50, p99, most, attempts, failed) in rows.decode(
            (Int64, Int64, Int64, Double, Double, Double, Double, Int64, Int64).self)
        {
            func ms(_ seconds: Double) -> Any { seconds < 0 ? NSNull() : (seconds * 1e6).rounded() / 1000 }
            out = [
                "stored": stored, "processed": processed, "processed_during_load": processedDuringLoad,
                "wait_p50_ms": ms(p50), "wait_p99_ms": ms(p99), "wait_max_ms": ms(most),
                "most_attempts": attempts, "with_error": failed,
                "last_processed_after_load_end_ms": lastProcessed > 0
                    ? ((lastProcessed - loadEndSeconds) * 1e6).rounded() / 1000 : NSNull(),
            ]
        }
        return out
    }

    func close() async {
        stop()
        try? await connection.close()
    }
}
