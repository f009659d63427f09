import Foundation
import Logging
import Persistence
import PostgresNIO

/// The tenant's products: `GET/POST/PATCH /v1/products`.
public struct ProductCatalog: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public struct Changes: Sendable {
        public var name: String?
        public var price: Int?
        public var currency: String?
        public var active: Bool?

        public init(name: String? = nil, price: Int? = nil, currency: String? = nil, active: Bool? = nil) {
            self.name = name
            self.price = price
            self.currency = currency
            self.active = active
        }
    }

    static let columns = "id, name, price_minor, currency, active, created_at, updated_at"

    /// Active products for customers; every product (with `includeInactive`) for staff.
    public func list(_ tenantID: UUID, includeInactive: Bool, after cursor: (Date, UUID)?, limit: Int, logger: Logger) async throws
        -> [Product]
    {
        try await database.withTenant(tenantID, logger: logger) { connection in
            let micros = cursor.map { Int64(($0.0.timeIntervalSince1970 * 1_000_000).rounded()) }
            return try await Self.products(
                connection.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM products
                    WHERE tenant_id = \(tenantID) AND (\(includeInactive) OR active)
                      AND (\(micros)::int8 IS NULL
                           OR (created_at, id) < (timestamptz 'epoch' + \(micros)::int8 * interval '1 microsecond', \(cursor?.1)::uuid))
                    ORDER BY created_at DESC, id DESC LIMIT \(limit)
                    """,
                    logger: logger))
        }
    }

    public func get(_ tenantID: UUID, id: UUID, includeInactive: Bool, logger: Logger) async throws -> Product {
        try await database.withTenant(tenantID, logger: logger) { connection in
            guard let product = try await find(tenantID, id: id, on: connection, logger: logger), includeInactive || product.active
            else { throw PaymentError.productNotFound }
            return product
        }
    }

    public func create(_ tenantID: UUID, name: String, price: Int, currency: String, active: Bool, logger: Logger) async throws -> Product {
        try await database.withTenant(tenantID, logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO products (id, tenant_id, name, price_minor, currency, active)
                VALUES (\(UUID.timeOrdered()), \(tenantID), \(name), \(price), \(currency), \(active))
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger)
            guard let product = try await Self.products(rows).first else { throw PaymentError.productNotFound }
            return product
        }
    }

    public func update(_ tenantID: UUID, id: UUID, changes: Changes, logger: Logger) async throws -> Product {
        try await database.withTenant(tenantID, logger: logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE products SET name = coalesce(\(changes.name), name), price_minor = coalesce(\(changes.price), price_minor),
                    currency = coalesce(\(changes.currency), currency), active = coalesce(\(changes.active), active), updated_at = now()
                WHERE tenant_id = \(tenantID) AND id = \(id)
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger)
            guard let product = try await Self.products(rows).first else { throw PaymentError.productNotFound }
            return product
        }
    }

    func find(_ tenantID: UUID, id: UUID, on connection: PooledConnection, logger: Logger) async throws -> Product? {
        try await Self.products(
            connection.query("SELECT \(unescaped: Self.columns) FROM products WHERE tenant_id = \(tenantID) AND id = \(id)", logger: logger)
        ).first
    }

    static func products(_ rows: CollectedRows) async throws -> [Product] {
        var products: [Product] = []
        for try await row in rows {
            var columns = row.makeIterator()
            let (id, name, price, currency, active, createdAt, updatedAt) = (
                try columns.column(UUID.self), try columns.column(String.self), try columns.column(Int.self),
                try columns.column(String.self), try columns.column(Bool.self), try columns.column(Date.self), try columns.column(Date.self)
            )
            products.append(
                Product(id: id, name: name, price: price, currency: currency, active: active, createdAt: createdAt, updatedAt: updatedAt))
        }
        return products
    }
}
