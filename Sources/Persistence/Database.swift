import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// The application's PostgreSQL pool and the only ways to open a transaction on it.
///
/// Every transaction is either scoped to one tenant (`withTenant`), which sets the
/// transaction-local `switchboard.tenant_id` that all row-level security policies key
/// on, or an explicit cross-tenant one (`withCrossTenantAccess`) with a named purpose.
public final class Database: Service, Sendable {
    public let maximumConnections: Int
    private let pool: DatabasePool
    private let leasesInUse = Gauge(label: MetricNames.databaseLeasesInUse)
    private let leaseCounter = LeaseCounter()
    private let transactionTimer = Timer(label: MetricNames.databaseTransactionDuration, preferredDisplayUnit: .seconds)

    /// `leaseTimeout`: how long a transaction waits for a connection before the
    /// database counts as unavailable (503), rather than queueing while it is down.
    public init(url: DatabaseURL, maximumConnections: Int = 20, leaseTimeout: Duration = .seconds(5), logger: Logger) {
        self.maximumConnections = maximumConnections
        self.pool = DatabasePool(
            configuration: url.clientConfiguration(maximumConnections: maximumConnections),
            leaseTimeout: leaseTimeout,
            logger: logger
        )
        Gauge(label: MetricNames.databaseMaximumConnections).record(maximumConnections)
    }

    /// Runs the pool until the service group shuts down.
    public func run() async {
        await pool.run()
    }

    /// Runs `body` in a transaction that can see only `tenantID`'s rows.
    public func withTenant<Result: Sendable>(
        _ tenantID: UUID,
        logger: Logger,
        _ body: (PooledConnection) async throws -> Result
    ) async throws -> Result {
        try await transaction(opening: [ScopeToTenant.query(tenantID)], first: { _ in () }, logger: logger) { connection, _, _ in
            try await body(connection)
        }
    }

    /// `withTenant`, with `first` (reads only, such as a prepared statement the body
    /// needs first) run right after BEGIN and the tenant scope are sent: its first
    /// statement waits for no answer of theirs (see `inTransaction`).
    public func withTenant<First: Sendable, Result: Sendable>(
        _ tenantID: UUID,
        first: (PooledConnection) async throws -> First,
        logger: Logger,
        _ body: (PooledConnection, First) async throws -> Result
    ) async throws -> Result {
        try await transaction(opening: [ScopeToTenant.query(tenantID)], first: first, logger: logger) { connection, _, early in
            try await body(connection, early)
        }
    }

    /// `withTenant`, with `reads` (statements of that tenant's that the body needs
    /// first, run in order) sent together with BEGIN and the tenant scope: `body` gets
    /// their rows, in the same order, without a wait of their own. Should BEGIN fail,
    /// each runs on its own without the scope, which row-level security answers with
    /// no rows, so a write among them changes nothing (and BEGIN's error is thrown).
    public func withTenant<Result: Sendable>(
        _ tenantID: UUID,
        reading reads: [PostgresQuery],
        logger: Logger,
        _ body: (PooledConnection, [CollectedRows]) async throws -> Result
    ) async throws -> Result {
        try await transaction(opening: [ScopeToTenant.query(tenantID)] + reads, first: { _ in () }, logger: logger) { connection, rows, _ in
            try await body(connection, Array(rows.dropFirst()))
        }
    }

    /// Runs `body` in a transaction that may read and write every tenant's rows.
    ///
    /// Keep these transactions small and name an honest purpose: this is the path that
    /// security reviews look at first.
    public func withCrossTenantAccess<Result: Sendable>(
        _ purpose: CrossTenantPurpose,
        logger: Logger,
        _ body: (PooledConnection) async throws -> Result
    ) async throws -> Result {
        logger.debug("cross-tenant transaction", metadata: ["purpose": "\(purpose.rawValue)"])
        return try await transaction(opening: [Self.crossTenantScope], first: { _ in () }, logger: logger) { connection, _, _ in
            try await body(connection)
        }
    }

    /// `statements` in one cross-tenant transaction sent whole with its BEGIN, scope and
    /// COMMIT, one wait for all (see `PooledConnection.inOneTrip`): for writes that need
    /// no answer before they commit, such as webhook intake's group commit, whose
    /// acknowledgements otherwise waited for three turns of this node's and the
    /// database's threads. Should BEGIN fail, each statement runs on its own, the
    /// writes without the scope, which row-level security refuses.
    public func writeCrossTenant(
        _ purpose: CrossTenantPurpose, _ statements: [PostgresQuery], logger: Logger
    ) async throws -> [CollectedRows] {
        logger.debug("cross-tenant transaction", metadata: ["purpose": "\(purpose.rawValue)"])
        return try await timedLease { connection in
            Array(try await connection.inOneTrip([Self.crossTenantScope] + statements, logger: logger).dropFirst())
        }
    }

    /// Lets a transaction past row-level security's tenant scope (see `CrossTenantPurpose`).
    private static let crossTenantScope: PostgresQuery = "SELECT set_config('switchboard.cross_tenant', 'on', true)"

    /// Runs `body` on a pooled connection outside any tenant: only for statements that
    /// touch no tenant-owned table (health checks, migrations, role checks).
    public func withUnscopedConnection<Result: Sendable>(
        logger: Logger,
        _ body: (PooledConnection) async throws -> Result
    ) async throws -> Result {
        try await leased {
            try await pool.withConnection { connection in try await body(connection) }
        }
    }

    /// A connection outside the pool (the node's LISTEN connection) was lost: the
    /// database may be down. Until a probe connects again, transactions wait only
    /// briefly for a connection, so requests get their 503 at once rather than after
    /// the whole lease timeout; a probe that connects at once clears it again.
    public func connectionLost() {
        pool.suspectOutage()
    }

    private func transaction<First: Sendable, Result: Sendable>(
        opening: [PostgresQuery],
        first: (PooledConnection) async throws -> First,
        logger: Logger,
        _ body: (PooledConnection, [CollectedRows], First) async throws -> Result
    ) async throws -> Result {
        try await timedLease { connection in try await connection.inTransaction(opening: opening, first: first, logger: logger, body) }
    }

    /// `body` on a leased connection, timed as a transaction.
    private func timedLease<Result: Sendable>(_ body: (PooledConnection) async throws -> Result) async throws -> Result {
        let start = ContinuousClock.now
        defer { transactionTimer.record(duration: ContinuousClock.now - start) }
        return try await leased { try await pool.withConnection { connection in try await body(connection) } }
    }

    private func leased<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        leasesInUse.record(leaseCounter.add(1))
        defer { leasesInUse.record(leaseCounter.add(-1)) }
        do {
            return try await body()
        } catch {
            if error.isDatabaseUnavailable { pool.suspectOutage() }
            throw error
        }
    }
}
