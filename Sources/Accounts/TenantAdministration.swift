import Foundation
import Logging
import Persistence
import PostgresNIO

/// The platform operator's view of tenants: create with a first owner, list, suspend, resume.
public struct TenantAdministration: Sendable {
    let database: Database
    let hasher: PasswordHasher
    let tenants = TenantStore()
    let users = UserStore()
    let audit = AuditLog()

    public init(database: Database, hasher: PasswordHasher) {
        self.database = database
        self.hasher = hasher
    }

    /// Creates a tenant and its first owner in one transaction.
    public func create(
        slug: String, name: String, owner: NewUser, ownerPassword: String, requestID: String?, logger: Logger
    ) async throws -> (tenant: Tenant, owner: User) {
        let hash = try await hasher.hash(ownerPassword)
        return try await database.withCrossTenantAccess(.operatorAdministration, logger: logger) { connection in
            let tenant = try await tenants.insert(slug: slug, name: name, settings: TenantSettings(), on: connection, logger: logger)
            var owner = owner
            owner.role = .owner
            let user = try await users.insert(tenant.id, owner, passwordHash: hash, on: connection, logger: logger)
            try await audit.record(
                tenant.id, actor: .operator, action: "tenant.created", targetType: "tenant", targetID: tenant.id.uuidString,
                details: ["slug": slug], requestID: requestID, on: connection, logger: logger
            )
            return (tenant, user)
        }
    }

    public func list(afterSlug: String?, limit: Int, logger: Logger) async throws -> [Tenant] {
        try await database.withCrossTenantAccess(.operatorAdministration, logger: logger) { connection in
            try await tenants.list(afterSlug: afterSlug, limit: limit, on: connection, logger: logger)
        }
    }

    /// Renames, suspends or resumes a tenant.
    public func update(_ id: UUID, name: String?, status: TenantStatus?, requestID: String?, logger: Logger) async throws -> Tenant {
        try await database.withCrossTenantAccess(.operatorAdministration, logger: logger) { connection in
            guard var tenant = try await tenants.find(id: id, on: connection, logger: logger) else {
                throw AccountsError.tenantNotFound
            }
            if let name { tenant.name = name }
            if let status { tenant.status = status }
            let updated = try await tenants.update(tenant, on: connection, logger: logger)
            try await audit.record(
                id, actor: .operator, action: "tenant.updated", targetType: "tenant", targetID: id.uuidString,
                details: ["status": updated.status.rawValue], requestID: requestID, on: connection, logger: logger
            )
            return updated
        }
    }
}
