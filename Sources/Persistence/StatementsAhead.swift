import Metrics
import NIOCore
import PostgresNIO
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The writes one transaction sent without waiting for their answers (see
/// `PooledConnection.write`): its COMMIT waits for them, and a failure among them is the
/// transaction's error.
final class WritesInFlight: Sendable {
    private let sent = Mutex<[EventLoopFuture<CollectedRows>]>([])

    func add(_ write: EventLoopFuture<CollectedRows>) {
        sent.withLock { $0.append(write) }
    }

    /// The writes sent so far, still remembered.
    func current() -> [EventLoopFuture<CollectedRows>] {
        sent.withLock { $0 }
    }

    /// The writes sent so far, forgotten here.
    func take() -> [EventLoopFuture<CollectedRows>] {
        sent.withLock { sent in
            defer { sent = [] }
            return sent
        }
    }
}

/// A read sent ahead (`PooledConnection.readAhead`), whose rows are waited for later.
public struct RowsAhead: Sendable {
    let answer: EventLoopFuture<CollectedRows>
    let connection: PooledConnection

    /// The statement's rows, once it is answered.
    public func rows() async throws -> CollectedRows {
        try await connection.watch.answer(answer, on: connection.postgres)
    }

    /// What `decode` makes of the rows, once they are answered.
    public func decoded<Value: Sendable>(_ decode: @escaping @Sendable (CollectedRows) async throws -> Value) -> Ahead<Value> {
        Ahead(rows: self, decode: decode)
    }
}

/// A value read by a statement sent ahead: a store's read, decoded when waited for.
public struct Ahead<Value: Sendable>: Sendable {
    let rows: RowsAhead
    let decode: @Sendable (CollectedRows) async throws -> Value

    public func value() async throws -> Value {
        try await decode(rows.rows())
    }
}

extension PooledConnection {
    /// Sends `query` as `Tag`'s prepared statement and goes on without waiting for its
    /// answer; the transaction's COMMIT waits for it. A write that fails fails the
    /// transaction: statements after it fail too (PostgreSQL refuses them), nothing is
    /// committed, and the transaction throws the write's own error, not theirs.
    ///
    /// For writes whose answer nothing needs before COMMIT (an insert, an event): each
    /// one sent this way is a wait less for this node's threads and the database's,
    /// which is what a request's tail is made of on a busy machine. Outside a
    /// transaction it waits, as `query` does.
    public func write<Tag: PreparedSQL>(_ query: PostgresQuery, preparedAs tag: Tag.Type, logger: Logger) async throws {
        guard let writes else {
            try await self.query(query, preparedAs: tag, logger: logger)
            return
        }
        writes.add(await sendPrepared(query, as: tag, logger: logger))
    }

    /// `write` for a statement that is not prepared.
    public func write(_ query: PostgresQuery, logger: Logger) async throws {
        guard let writes else {
            try await self.query(query, logger: logger)
            return
        }
        guard !postgres.isClosed else { throw ConnectionClosed() }
        writes.add(send(query, logger: logger).map { CollectedRows(rows: $0.rows) })
    }

    /// Sends the read `query` as `Tag`'s prepared statement now and goes on; its rows are
    /// waited for with `rows()`. Reads sent one after another this way are answered one
    /// after another with no wait between them.
    public func readAhead<Tag: PreparedSQL>(_ query: PostgresQuery, preparedAs tag: Tag.Type, logger: Logger) async -> RowsAhead {
        let answer = await sendPrepared(query, as: tag, logger: logger)
        // Tracked with the writes: should it fail, what is sent after it fails too.
        writes?.add(answer)
        return RowsAhead(answer: answer, connection: self)
    }

    /// Sends a prepared statement in order behind every statement sent before it, and
    /// answers its rows' future without waiting for them.
    ///
    /// PostgresNIO's prepared statements are only offered as `async` calls, which write
    /// the statement to the connection before their first suspension. A task started
    /// with `Task.immediate` runs that far on this thread, before this function goes on,
    /// when it can start here (a caller on the shared executor, as requests and workers
    /// are). That keeps the statement in order only when it is already prepared on the
    /// connection: one that is not waits inside PostgresNIO for its preparation, and
    /// statements sent meanwhile overtake it. So when the task could not start here,
    /// or the statement has not yet run on this connection, this waits for its answer
    /// before anything else is sent: order is kept either way, and only the wait is
    /// lost (counted in `switchboard_db_statements_not_sent_ahead_total`; each
    /// statement once per connection, then never).
    private func sendPrepared<Tag: PreparedSQL>(
        _ query: PostgresQuery, as tag: Tag.Type, logger: Logger
    ) async -> EventLoopFuture<CollectedRows> {
        precondition(query.sql == Tag.sql, "\(Tag.self) is not the statement this query builds")
        let postgres = self.postgres
        guard !postgres.isClosed else { return postgres.eventLoop.makeFailedFuture(ConnectionClosed()) }
        // A statement not yet prepared on this connection is held back by PostgresNIO
        // until its preparation is answered, behind statements sent meanwhile.
        let prepared = PreparedOnConnections.shared.knows(tag, on: postgres)
        // Its first run prepares it on this connection, and PostgresNIO keeps a failed
        // preparation for the connection's life: every later run of it there fails with
        // that error. Behind a write sent ahead that failed, the preparation would fail
        // too (25P02, the transaction is aborted), so it is not sent: that write's error
        // is its answer. (Waiting here costs nothing new: an unprepared statement is
        // waited for below anyway.)
        if !prepared, let writes, let failure = await firstFailure(of: writes.current()) {
            return postgres.eventLoop.makeFailedFuture(failure)
        }
        let answer = postgres.eventLoop.makePromise(of: CollectedRows.self)
        let here = StartedHere()
        let caller = pthread_self()
        Task.immediate {
            if pthread_equal(pthread_self(), caller) != 0 { here.mark() }
            do {
                var rows: [PostgresRow] = []
                for try await row in try await postgres.execute(PreparedQuery<Tag>(bindings: query.binds), logger: logger) {
                    rows.append(row)
                }
                PreparedOnConnections.shared.learn(tag, on: postgres)
                answer.succeed(CollectedRows(rows: rows))
            } catch {
                PreparedOnConnections.closeIfPreparationFailed(error, on: postgres)
                answer.fail(error)
            }
        }
        if !prepared || !here.started {
            Counter(label: MetricNames.databaseStatementsNotSentAhead).increment()
            // Through the watch: should the connection die under the statement,
            // PostgresNIO may never answer it. Its outcome stays in the future.
            _ = try? await watch.answer(answer.futureResult, on: postgres)
        }
        return answer.futureResult
    }
}

/// The prepared statements each connection has run (`PooledConnection.sendPrepared`):
/// PostgresNIO keeps them prepared for the connection's life, and runs them in the
/// order they are sent from then on.
final class PreparedOnConnections: Sendable {
    static let shared = PreparedOnConnections()

    private struct Known {
        weak var connection: PostgresConnection?
        var statements: Set<ObjectIdentifier> = []
    }

    private let known = Mutex<[Int: Known]>([:])

    func knows<Tag: PreparedSQL>(_ tag: Tag.Type, on connection: PostgresConnection) -> Bool {
        known.withLock { known in
            guard let entry = known[connection.id], entry.connection === connection else { return false }
            return entry.statements.contains(ObjectIdentifier(tag))
        }
    }

    /// PostgresNIO keeps a statement's failed preparation for the connection's life, so
    /// every later run of the statement there would fail with the same error, whatever
    /// state the database is in by then. Such a connection is closed, and the pool
    /// opens a fresh one in its place. A prepared statement's error from the parse
    /// step is that failure (its first time, or kept from it): a statement already
    /// prepared is only bound and executed.
    static func closeIfPreparationFailed(_ error: any Error, on connection: PostgresConnection) {
        guard let error = error as? PSQLError, error.serverInfo?[.routine] == "exec_parse_message" else { return }
        let closed: EventLoopFuture<Void> = connection.close()
        _ = closed
    }

    func learn<Tag: PreparedSQL>(_ tag: Tag.Type, on connection: PostgresConnection) {
        known.withLock { known in
            // Ids are per pool: an entry is this connection's only if it is the same object.
            if known[connection.id]?.connection !== connection {
                // A new connection: forget those that are gone.
                known = known.filter { _, entry in entry.connection.map { !$0.isClosed } ?? false }
                known[connection.id] = Known(connection: connection)
            }
            known[connection.id]?.statements.insert(ObjectIdentifier(tag))
        }
    }
}

/// Whether a task started on its creator's thread, before the creator went on.
private final class StartedHere: Sendable {
    private let flag = Atomic<Bool>(false)

    func mark() { flag.store(true, ordering: .releasing) }
    var started: Bool { flag.load(ordering: .acquiring) }
}
