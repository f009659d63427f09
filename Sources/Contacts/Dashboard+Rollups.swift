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
        let rows = try await connection.query(
            Self.newLeadsQuery(tenantID, own: own, in: period), preparedAs: NewLeads.self, or: OwnNewLeads.self, own: own, logger: logger)
        var total = 0
        for try await row in rows { total += try row.decode(Int.self) }
        return total
    }

    /// Calls made in the period: the tenant's, or those `own` was in (caller, callee,
    /// or rung).
    func calls(
        in period: DashboardPeriod, own: UUID?, tenantID: UUID, on connection: PooledConnection, logger: Logger
    ) async throws -> Figures.Calls {
        let rows = try await connection.query(
            Self.callsQuery(tenantID, own: own, in: period), preparedAs: Calls.self, or: OwnCalls.self, own: own, logger: logger)
        var counts = CallCounts()
        try await counts.add(rows)
        return Figures.Calls(
            total: counts.total, answered: counts.answered, missed: counts.missed,
            averageDurationSeconds: counts.timed > 0 ? Int((Double(counts.seconds) / Double(counts.timed)).rounded()) : nil)
    }

    /// Calls, answered, missed, timed and talk seconds, in that order.
    struct CallCounts {
        var total = 0
        var answered = 0
        var missed = 0
        var timed = 0
        var seconds = 0

        mutating func add(_ rows: CollectedRows) async throws {
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
    // dashboards at once, `BENCH_PG_STATEMENTS=1 ops/bench contacts`). A figure over
    // a period is one statement, whole days and both partial ends together: one round
    // trip, where a statement each took three.
    enum Pipeline: PreparedSQL { static let sql = Dashboard.pipelineQuery(UUID(), own: nil).sql }
    enum OwnPipeline: PreparedSQL { static let sql = Dashboard.pipelineQuery(UUID(), own: UUID()).sql }
    enum NewLeads: PreparedSQL { static let sql = Dashboard.newLeadsQuery(UUID(), own: nil, in: .shape).sql }
    enum OwnNewLeads: PreparedSQL { static let sql = Dashboard.newLeadsQuery(UUID(), own: UUID(), in: .shape).sql }
    enum Calls: PreparedSQL { static let sql = Dashboard.callsQuery(UUID(), own: nil, in: .shape).sql }
    enum OwnCalls: PreparedSQL { static let sql = Dashboard.callsQuery(UUID(), own: UUID(), in: .shape).sql }

    static func pipelineQuery(_ tenantID: UUID, own: UUID?) -> PostgresQuery {
        var query: PostgresQuery = """
            SELECT dimension, key, sum(contacts)::int8 FROM contact_rollups
            WHERE tenant_id = \(tenantID) AND dimension IN ('stage', 'temperature', 'source')
            """
        query.and("owner_id", is: own)
        query.sql += " GROUP BY dimension, key"
        return query
    }

    /// The `created` rollups of the whole days (UTC midnights; a rollup's `day` is a
    /// UTC date), plus the contacts created in each partial end.
    static func newLeadsQuery(_ tenantID: UUID, own: UUID?, in period: DashboardPeriod) -> PostgresQuery {
        let days = period.days ?? DashboardPeriod.noDays
        var query: PostgresQuery = """
            SELECT (SELECT coalesce(sum(contacts), 0) FROM contact_rollups
                    WHERE tenant_id = \(tenantID) AND dimension = 'created'
                      AND day >= (\(days.first)::timestamptz AT TIME ZONE 'UTC')::date
                      AND day < (\(days.end)::timestamptz AT TIME ZONE 'UTC')::date
            """
        query.and("owner_id", is: own)
        query.sql += ")::int8"
        for edge in period.bothEdges {
            query.sql += "\n     + (SELECT count(*) FROM contacts WHERE tenant_id = $1 AND deleted_at IS NULL AND created_at >= "
            query.bind(edge.lowerBound)
            query.sql += " AND created_at < "
            query.bind(edge.upperBound)
            query.and("owner_id", is: own)
            query.sql += ")"
        }
        return query
    }

    /// The call rollups of the whole days (the nil uuid's row for the tenant, the
    /// user's own), plus the calls made in each partial end.
    static func callsQuery(_ tenantID: UUID, own: UUID?, in period: DashboardPeriod) -> PostgresQuery {
        let days = period.days ?? DashboardPeriod.noDays
        var query: PostgresQuery = """
            SELECT sum(calls)::int8, sum(answered)::int8, sum(missed)::int8, sum(timed)::int8, sum(seconds)::int8 FROM (
                SELECT coalesce(sum(calls), 0) AS calls, coalesce(sum(answered), 0) AS answered, coalesce(sum(missed), 0) AS missed,
                       coalesce(sum(timed), 0) AS timed, coalesce(sum(seconds), 0) AS seconds
                FROM call_rollups
                WHERE tenant_id = \(tenantID) AND user_id = \(own ?? Self.nobody)
                  AND day >= (\(days.first)::timestamptz AT TIME ZONE 'UTC')::date
                  AND day < (\(days.end)::timestamptz AT TIME ZONE 'UTC')::date
            """
        for edge in period.bothEdges {
            query.sql += """

                UNION ALL
                SELECT count(*), count(answered_at), count(*) FILTER (WHERE status = 'missed'),
                       count(*) FILTER (WHERE answered_at IS NOT NULL AND duration_seconds IS NOT NULL),
                       coalesce(sum(duration_seconds) FILTER (WHERE answered_at IS NOT NULL), 0)
                FROM calls c WHERE tenant_id = $1 AND created_at >= 
                """
            query.bind(edge.lowerBound)
            query.sql += " AND created_at < "
            query.bind(edge.upperBound)
            if own != nil {
                // Each of the edge's calls probed for an offer to `own` by the offers'
                // key, as a scalar subquery: `EXISTS` became a hashed scan of every
                // offer of the tenant's, and `IN` over the agent's offers since the
                // edge began read a month of them when the edge was the period's first
                // day (4.2 ms a dashboard under load). $2 is `own`, bound second above.
                query.sql += " AND (caller_id = $2 OR callee_id = $2 OR (SELECT true FROM call_offers o WHERE o.call_id = c.id AND o.user_id = $2))"
            }
        }
        query.sql += "\n) parts"
        return query
    }
}
