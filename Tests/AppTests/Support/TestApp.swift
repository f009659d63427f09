import Accounts
import App
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Persistence

/// A running server on a fresh database, with a client over real sockets.
struct TestApp: Sendable {
    let client: any TestClientProtocol
    let config: AppConfig
    let database: Database
    let databaseURL: DatabaseURL

    /// Builds the real application on its own database and runs `body` against it.
    static func run<Value: Sendable>(
        configure: @Sendable (inout AppConfig) -> Void = { _ in },
        _ body: @Sendable (TestApp) async throws -> Value
    ) async throws -> Value {
        let url = try await TestDatabases.shared.fresh()
        defer { Task { await TestDatabases.shared.drop(url) } }
        var config = makeConfig(url)
        configure(&config)
        var logger = Logger(label: "test-app")
        logger.logLevel = .error
        setenv("SWITCHBOARD_MIGRATIONS_DIR", TestDatabases.migrationsDirectory, 1)
        let app = try await buildApplication(config: config, logger: logger)
        let frozenConfig = config
        return try await Database.withPool(url: url, logger: logger) { database in
            try await app.test(.live) { client in
                try await body(TestApp(client: client, config: frozenConfig, database: database, databaseURL: url))
            }
        }
    }

    static func makeConfig(_ url: DatabaseURL) -> AppConfig {
        AppConfig(
            databaseURL: url, host: "127.0.0.1", port: 0,
            jwtSecret: Array(TestDatabases.randomSuffix().utf8) + Array(TestDatabases.randomSuffix().utf8) + Array("0123456789".utf8),
            masterKey: (0..<32).map { _ in UInt8.random(in: 0...255) },
            operatorToken: "operator-" + TestDatabases.randomSuffix() + TestDatabases.randomSuffix() + TestDatabases.randomSuffix(),
            logLevel: .error, bcryptCost: 4, databaseMaxConnections: 10
        )
    }

    /// Creates a tenant with one user per role (passwords: `Seeded.password`).
    func seedTenant(_ slug: String) async throws -> SeededTenant {
        var logger = Logger(label: "seed")
        logger.logLevel = .error
        let manifest = try TenantManifest.parse(
            yaml: """
                slug: \(slug)
                name: \(slug.capitalized) Inc
                users:
                  - {email: owner@\(slug).test, name: Owner \(slug), role: owner, passwordEnv: SEED_PASSWORD}
                  - {email: admin@\(slug).test, name: Admin \(slug), role: admin, passwordEnv: SEED_PASSWORD}
                  - {email: agent@\(slug).test, name: Agent \(slug), role: agent, passwordEnv: SEED_PASSWORD}
                  - {email: customer@\(slug).test, name: Customer \(slug), role: customer, passwordEnv: SEED_PASSWORD}
                """)
        let applied = try await TenantManifestApplier(database: database, hasher: PasswordHasher(cost: 4))
            .apply(manifest, environment: ["SEED_PASSWORD": SeededTenant.password], logger: logger)
        var ids: [Role: UUID] = [:]
        try await database.withTenant(applied.tenant.id, logger: logger) { connection in
            let rows = try await connection.query("SELECT id, role FROM users WHERE tenant_id = \(applied.tenant.id)", logger: logger)
            for try await (id, role) in rows.decode((UUID, String).self) { ids[Role(rawValue: role)!] = id }
        }
        let userIDs = ids
        return SeededTenant(slug: slug, id: applied.tenant.id, userIDs: userIDs)
    }
}

/// A tenant made by `seedTenant`.
struct SeededTenant: Sendable {
    static let password = "correct-horse-battery"
    let slug: String
    let id: UUID
    let userIDs: [Role: UUID]

    func email(_ role: Role) -> String { "\(role.rawValue)@\(slug).test" }
}
