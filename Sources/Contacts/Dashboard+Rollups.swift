import Foundation
import Logging
import Persistence
import PostgresNIO

/// The dashboard's contact and call figures, read from the rollups that triggers
/// keep (migrations/0013) instead of counted over the tables per request.
extension Dashboard {
    /// The nil uuid: in `contact_rollups` the owner of unowned contacts, in
    /// `call_rollups` the whole tenant.
    static let nobody = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// Contacts by stage, temperature and source: the pipeline as it stands.
    func readPipeline(
        into figures: inout Figures, own: UUID?, tenantID: UUID, on connection: PooledConnection, logger: Logger
    ) async throws {
        let rows = try await connection.query(
            Self.pipelineQuery(tenantID, own: own), preparedAs: Pipeline.self, or: OwnPipeline.self, own: own, logger: logger)
        var sources: [Figures.Count] = []
        for try await row in rows {
            var columns = row.makeIterator()
            let (dimension, key, count) = (try columns.column(String.self), try columns.column(String?.self), try columns.column(Int.self))
            guard count != 0 else { continue }
            switch dimension {
            case "stage":
                guard let key else { continue }
                figures.byStage[key] = count
                figures.contacts += count
            case "temperature": figures.byTemperature[key ?? "unset"] = count
            default: sources.append(Figures.Count(key: key, count: count))
            }
        }
        figures.bySource = sources.sorted { ($0.count, $1.key ?? "") > ($1.count, $0.key ?? "") }
    }

    /// Contacts created in the period that are still there.
    func newLeads(
        in period: DashboardPeriod, own: UUID?, tenantID: UUID, on connection: PooledConnection, logger: Logger
    ) async throws -> Int {
        var total = 0
        if let days = period.days {
            let rows = try await connection.query(
                Self.newLeadsQuery(tenantID, own: own, days: days), preparedAs: NewLeadsByDay.self, or: OwnNewLeadsByDay.self, own: own,
                logger: logger)
            for try await row in rows { total += try row.decode(Int.self) }
        }
        for edge in period.edges {
            let rows = try await connection.query(
                Self.newLeadsQuery(tenantID, own: own, between: edge),
                preparedAs: NewLeadsBetween.self, or: OwnNewLeadsBetween.self, own: own, logger: logger)
            for try await row in rows { total += try row.decode(Int.self) }
        }
        return total
    }

    /// Calls made in the period: the tenant's, or those `own` was in (caller, callee,
    /// or rung).
    func calls(
        in period: DashboardPeriod, own: UUID?, tenantID: UUID, on connection: PooledConnection, logger: Logger
    ) async throws -> Figures.Calls {
        var counts = CallCounts()
        if let days = period.days {
            let rows = try await connection.query(
                Self.callsQuery(tenantID, scope: own ?? Self.nobody, days: days), preparedAs: CallsByDay.self, logger: logger)
            try await counts.add(rows)
        }
        for edge in period.edges {
            let rows = try await connection.query(
                Self.callsQuery(tenantID, own: own, between: edge), preparedAs: CallsBetween.self, or: OwnCallsBetween.self, own: own,
                logger: logger)
            try await counts.add(rows)
        }
        return Figures.Calls(
            total: counts.total, answered: counts.answered, missed: counts.missed,
            averageDurationSeconds: counts.timed > 0 ? Int((Double(counts.seconds) / Double(counts.timed)).rounded()) : nil)
    }

    /// Calls, answered, missed, timed and talk seconds, added up over the rows of the
    /// rollups and of the partial days, which both read them in that order.
    struct CallCounts {
        var total = 0
        var answered = 0
        var missed = 0
        var timed = 0
        var seconds = 0

        mutating func add(_ rows: PreparedRows) async throws {
            for try await row in rows {
                var columns = row.makeIterator()
                total += try columns.column(Int.self)
                answered += try columns.column(Int.self)
                missed += try columns.column(Int.self)
                timed += try columns.column(Int.self)
                seconds += try columns.column(Int.self)
            }
        }
    }

    // Every dashboard runs these: prepared (each was planned per request, under
    // row-level security, otherwise), each in two shapes, the tenant's figures and one
    // user's. One shape for both (`$n IS NULL OR owner_id = $n`) had one plan for both:
    // an agent's dashboard read every owner's rollup rows, an owner's counted today's
    // contacts from the table instead of an index alone (10.7 ms of 32 owners'
    // dashboards at once, `BENCH_PG_STATEMENTS=1 ops/bench contacts`).
    enum Pipeline: PreparedSQL { static let sql = Dashboard.pipelineQuery(UUID(), own: nil).sql }
    enum OwnPipeline: PreparedSQL { static let sql = Dashboard.pipelineQuery(UUID(), own: UUID()).sql }
    enum NewLeadsByDay: PreparedSQL { static let sql = Dashboard.newLeadsQuery(UUID(), own: nil, days: (Date(), Date())).sql }
    enum OwnNewLeadsByDay: PreparedSQL { static let sql = Dashboard.newLeadsQuery(UUID(), own: UUID(), days: (Date(), Date())).sql }
    enum NewLeadsBetween: PreparedSQL { static let sql = Dashboard.newLeadsQuery(UUID(), own: nil, between: Date()..<Date()).sql }
    enum OwnNewLeadsBetween: PreparedSQL { static let sql = Dashboard.newLeadsQuery(UUID(), own: UUID(), between: Date()..<Date()).sql }
    enum CallsByDay: PreparedSQL { static let sql = Dashboard.callsQuery(UUID(), scope: UUID(), days: (Date(), Date())).sql }
    enum CallsBetween: PreparedSQL { static let sql = Dashboard.callsQuery(UUID(), own: nil, between: Date()..<Date()).sql }
    enum OwnCallsBetween: PreparedSQL { static let sql = Dashboard.callsQuery(UUID(), own: UUID(), between: Date()..<Date()).sql }

    static func pipelineQuery(_ tenantID: UUID, own: UUID?) -> PostgresQuery {
        var query: PostgresQuery = """
            SELECT dimension, key, sum(contacts)::int8 FROM contact_rollups
            WHERE tenant_id = \(tenantID) AND dimension IN ('stage', 'temperature', 'source')
            """
        query.and("owner_id", is: own)
        query.sql += " GROUP BY dimension, key"
        return query
    }

    /// `days` are UTC midnights; a rollup's `day` is a UTC date.
    static func newLeadsQuery(_ tenantID: UUID, own: UUID?, days: (first: Date, end: Date)) -> PostgresQuery {
        var query: PostgresQuery = """
            SELECT coalesce(sum(contacts), 0)::int8 FROM contact_rollups
            WHERE tenant_id = \(tenantID) AND dimension = 'created'
              AND day >= (\(days.first)::timestamptz AT TIME ZONE 'UTC')::date AND day < (\(days.end)::timestamptz AT TIME ZONE 'UTC')::date
            """
        query.and("owner_id", is: own)
        return query
    }

    static func newLeadsQuery(_ tenantID: UUID, own: UUID?, between edge: Range<Date>) -> PostgresQuery {
        var query: PostgresQuery = """
            SELECT count(*) FROM contacts
            WHERE tenant_id = \(tenantID) AND deleted_at IS NULL AND created_at >= \(edge.lowerBound) AND created_at < \(edge.upperBound)
            """
        query.and("owner_id", is: own)
        return query
    }

    static func callsQuery(_ tenantID: UUID, scope: UUID, days: (first: Date, end: Date)) -> PostgresQuery {
        """
        SELECT coalesce(sum(calls), 0)::int8, coalesce(sum(answered), 0)::int8, coalesce(sum(missed), 0)::int8,
               coalesce(sum(timed), 0)::int8, coalesce(sum(seconds), 0)::int8
        FROM call_rollups
        WHERE tenant_id = \(tenantID) AND user_id = \(scope)
          AND day >= (\(days.first)::timestamptz AT TIME ZONE 'UTC')::date AND day < (\(days.end)::timestamptz AT TIME ZONE 'UTC')::date
        """
    }

    static func callsQuery(_ tenantID: UUID, own: UUID?, between edge: Range<Date>) -> PostgresQuery {
        var query: PostgresQuery = """
            SELECT count(*), count(answered_at), count(*) FILTER (WHERE status = 'missed'),
                   count(*) FILTER (WHERE answered_at IS NOT NULL AND duration_seconds IS NOT NULL),
                   coalesce(sum(duration_seconds) FILTER (WHERE answered_at IS NOT NULL), 0)::int8
            FROM calls c
            WHERE tenant_id = \(tenantID) AND created_at >= \(edge.lowerBound) AND created_at < \(edge.upperBound)
            """
        guard let own else { return query }
        // Each of the edge's calls probed for an offer to `own` by the offers' key, as a
        // scalar subquery: `EXISTS` became a hashed scan of every offer of the agent's
        // (or, named by the tenant, of all since the edge began: a month's when the edge
        // is the period's first day, 4.2 ms a dashboard under load).
        query.binds.append(own)
        let user = "$\(query.binds.count)"
        query.sql += """

              AND (caller_id = \(user) OR callee_id = \(user)
                   OR (SELECT true FROM call_offers o WHERE o.call_id = c.id AND o.user_id = \(user)))
            """
        return query
    }
}
