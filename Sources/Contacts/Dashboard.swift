import Foundation
import Logging
import Persistence
import PostgresNIO

/// `GET /v1/dashboard`: the pipeline (contacts by stage, temperature and source),
/// new leads, calls, messages and revenue in a period. Agents see their own numbers
/// (their contacts and those contacts' payments, the calls they were in, their
/// conversations); owners and admins the tenant's.
public struct Dashboard: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public struct Figures: Sendable, Encodable {
        public struct Calls: Sendable, Encodable {
            public var total = 0
            public var answered = 0
            public var missed = 0
            public var averageDurationSeconds: Int?
        }
        public struct Messages: Sendable, Encodable {
            public var inbound = 0
            public var outbound = 0
        }
        /// One currency's captured money in the period, in minor units.
        public struct Revenue: Sendable, Encodable {
            public let currency: String
            public let payments: Int
            public let captured: Int
            public let refunded: Int
            public let net: Int
        }
        public struct Count: Sendable, Encodable {
            public let key: String?
            public let count: Int
        }

        public let from: Date
        public let to: Date
        /// `own` for agents, `tenant` for administrators.
        public let scope: String
        public var contacts = 0
        public var byStage: [String: Int] = [:]
        public var byTemperature: [String: Int] = [:]
        public var bySource: [Count] = []
        public var newLeads = 0
        public var calls = Calls()
        public var messages = Messages()
        public var revenue: [Revenue] = []
    }

    public func figures(from: Date, to: Date, by actor: ContactActor, logger: Logger) async throws -> Figures {
        let own: UUID? = actor.isAdministrator ? nil : actor.userID
        var figures = Figures(from: from, to: to, scope: own == nil ? "tenant" : "own")
        for stage in ContactStage.allCases { figures.byStage[stage.rawValue] = 0 }
        for temperature in ContactTemperature.allCases { figures.byTemperature[temperature.rawValue] = 0 }
        let period = DashboardPeriod(from: from, to: to)
        return try await database.withTenant(actor.tenantID, logger: logger) { connection in
            try await readPipeline(into: &figures, own: own, tenantID: actor.tenantID, on: connection, logger: logger)
            figures.newLeads = try await newLeads(in: period, own: own, tenantID: actor.tenantID, on: connection, logger: logger)
            figures.calls = try await calls(in: period, own: own, tenantID: actor.tenantID, on: connection, logger: logger)
            let messages = try await connection.query(
                Self.messagesQuery(actor.tenantID, own: own, from: from, to: to),
                preparedAs: Messages.self, or: OwnMessages.self, own: own, logger: logger)
            for try await row in messages {
                var columns = row.makeIterator()
                let (inbound, outbound) = (try columns.column(Int.self), try columns.column(Int.self))
                figures.messages = Figures.Messages(inbound: inbound, outbound: outbound)
            }
            let revenue = try await connection.query(
                Self.revenueQuery(actor.tenantID, own: own, from: from, to: to),
                preparedAs: Revenue.self, or: OwnRevenue.self, own: own, logger: logger)
            for try await row in revenue {
                var columns = row.makeIterator()
                let (currency, count, captured, refunded) = (
                    try columns.column(String.self), try columns.column(Int.self), try columns.column(Int.self),
                    try columns.column(Int.self)
                )
                figures.revenue.append(
                    Figures.Revenue(currency: currency, payments: count, captured: captured, refunded: refunded, net: captured - refunded))
            }
            return figures
        }
    }

    enum Messages: PreparedSQL { static let sql = Dashboard.messagesQuery(UUID(), own: nil, from: Date(), to: Date()).sql }
    enum OwnMessages: PreparedSQL { static let sql = Dashboard.messagesQuery(UUID(), own: UUID(), from: Date(), to: Date()).sql }
    enum Revenue: PreparedSQL { static let sql = Dashboard.revenueQuery(UUID(), own: nil, from: Date(), to: Date()).sql }
    enum OwnRevenue: PreparedSQL { static let sql = Dashboard.revenueQuery(UUID(), own: UUID(), from: Date(), to: Date()).sql }

    /// Messages in the tenant's conversations, or in those assigned to `own`.
    static func messagesQuery(_ tenantID: UUID, own: UUID?, from: Date, to: Date) -> PostgresQuery {
        var query: PostgresQuery = """
            SELECT count(*) FILTER (WHERE direction = 'inbound'), count(*) FILTER (WHERE direction = 'outbound')
            FROM messages
            WHERE tenant_id = \(tenantID) AND created_at >= \(from) AND created_at < \(to)
            """
        if let own {
            query.sql += " AND conversation_id IN (SELECT id FROM conversations WHERE tenant_id = $1"
            query.and("assignee_id", is: own)
            query.sql += ")"
        }
        return query
    }

    /// Payments captured for the tenant's contacts, or for those `own` owns.
    static func revenueQuery(_ tenantID: UUID, own: UUID?, from: Date, to: Date) -> PostgresQuery {
        var query: PostgresQuery = """
            SELECT currency, count(*), sum(captured_minor)::int8, sum(refunded_minor)::int8
            FROM payments
            WHERE tenant_id = \(tenantID) AND captured_at >= \(from) AND captured_at < \(to)
            """
        if let own {
            query.sql += " AND contact_id IN (SELECT id FROM contacts WHERE tenant_id = $1"
            query.and("owner_id", is: own)
            query.sql += ")"
        }
        query.sql += " GROUP BY currency ORDER BY currency"
        return query
    }
}
