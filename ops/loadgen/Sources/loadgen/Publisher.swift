import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Who an event is for, as `EventOutbox.emit` stores it.
enum Audience: Sendable {
    case user(UUID)
    case role(String)
    case roles([String])
}

/// Inserts events the way `EventOutbox.emit` does, each in its own short tenant
/// transaction on the application's role (so row-level security applies):
/// BEGIN; set_config('switchboard.tenant_id', ..., true); INSERT ... pg_notify; COMMIT.
///
/// Everything runs on one dedicated event loop, so the commit time is read the moment
/// COMMIT's answer is decoded, not when some busy thread gets round to it.
final class Publisher: @unchecked Sendable {
    let loop: EventLoop
    let tenantID: UUID
    private var connections: [PostgresConnection] = []
    private let logger: Logger

    /// Per sequence number: when the transaction began and when COMMIT returned (wall ns; 0 = failed).
    private(set) var sentNs: [Int64] = []
    private(set) var commitNs: [Int64] = []
    private(set) var errors: [String] = []

    init(loop: EventLoop, tenantID: UUID) {
        self.loop = loop
        self.tenantID = tenantID
        var logger = Logger(label: "loadgen.publisher")
        logger.logLevel = .error
        self.logger = logger
    }

    func connect(url: String, count: Int) async throws {
        guard let components = URLComponents(string: url), let host = components.host, let user = components.user else {
            throw ValidationFailure("DATABASE_URL must look like postgres://user:password@host:port/database")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var configuration = PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database.isEmpty ? nil : database, tls: .disable
        )
        configuration.options.connectTimeout = .seconds(10)
        var opened: [PostgresConnection] = []
        for id in 0..<count {
            opened.append(try await PostgresConnection.connect(on: loop, configuration: configuration, id: id, logger: logger))
        }
        try await loop.submit { self.connections = opened }.get()
    }

    func close() async {
        let all = (try? await loop.submit { self.connections }.get()) ?? []
        for connection in all { try? await connection.close() }
    }

    struct Run: Sendable {
        var first: Int
        var count: Int
        var elapsed: Double
        var failed: Int
        var achievedRate: Double
    }

    /// Publishes `count` events at `rate` per second (open loop: a late event is sent
    /// as soon as a connection is free, it does not shift the schedule), `audience(i)`
    /// for the i-th. Returns once every transaction has finished.
    func publish(type: String, count: Int, rate: Double, audience: @escaping @Sendable (Int) -> Audience) async throws -> Run {
        try await loop.flatSubmit { () -> EventLoopFuture<Run> in
            let promise = self.loop.makePromise(of: Run.self)
            let first = self.sentNs.count
            self.sentNs.append(contentsOf: repeatElement(0, count: count))
            self.commitNs.append(contentsOf: repeatElement(0, count: count))
            var idle = Array(self.connections.indices.reversed())
            var issued = 0
            var finished = 0
            var failed = 0
            let start = monoSeconds()
            var ticker: RepeatedTask?

            func due() -> Int { min(count, Int((monoSeconds() - start) * rate) + 1) }

            func pump() {
                let target = due()
                while issued < target, let index = idle.popLast() {
                    let i = issued
                    issued += 1
                    self.send(first + i, audience: audience(i), type: type, on: self.connections[index]).whenComplete { result in
                        if case .failure(let error) = result {
                            failed += 1
                            if self.errors.count < 20 { self.errors.append(String(reflecting: error)) }
                        }
                        idle.append(index)
                        finished += 1
                        if finished == count {
                            ticker?.cancel()
                            let elapsed = monoSeconds() - start
                            promise.succeed(Run(first: first, count: count, elapsed: elapsed, failed: failed,
                                                achievedRate: count > 1 ? Double(count - 1) / max(elapsed, 1e-9) : 0))
                        } else {
                            pump()
                        }
                    }
                }
            }
            if count == 0 {
                promise.succeed(Run(first: first, count: 0, elapsed: 0, failed: 0, achievedRate: 0))
            } else {
                ticker = self.loop.scheduleRepeatedTask(initialDelay: .zero, delay: .microseconds(500)) { _ in pump() }
            }
            return promise.futureResult
        }.get()
    }

    private func send(_ seq: Int, audience: Audience, type: String, on connection: PostgresConnection) -> EventLoopFuture<Void> {
        let tenantID = self.tenantID
        let logger = self.logger
        let begin = wallNanos()
        sentNs[seq] = begin
        let payload = "{\"seq\":\(seq),\"sentAtNs\":\(begin)}"
        let userIDs: [UUID]
        let roles: [String]
        switch audience {
        case .user(let id): (userIDs, roles) = ([id], [])
        case .role(let role): (userIDs, roles) = ([], [role])
        case .roles(let names): (userIDs, roles) = ([], names)
        }
        let insert: PostgresQuery = """
            WITH inserted AS (
                INSERT INTO events (tenant_id, type, audience_user_ids, audience_roles, payload)
                VALUES (\(tenantID), \(type), \(userIDs), \(roles), \(payload)::jsonb)
                RETURNING id
            )
            SELECT pg_notify('switchboard_events', id::text) FROM inserted
            """
        return connection.query("BEGIN", logger: logger)
            .flatMap { _ in
                connection.query(
                    "SELECT set_config('switchboard.tenant_id', \(tenantID.uuidString.lowercased()), true)", logger: logger)
            }
            .flatMap { _ in connection.query(insert, logger: logger) }
            .flatMap { _ in connection.query("COMMIT", logger: logger) }
            .map { _ in self.commitNs[seq] = wallNanos() }
            .flatMapError { error in
                connection.query("ROLLBACK", logger: logger).flatMapThrowing { _ in throw error }
                    .flatMapErrorThrowing { _ in throw error }
            }
    }
}

struct ValidationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
