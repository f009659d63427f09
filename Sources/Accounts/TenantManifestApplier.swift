import Foundation
import Logging
import Persistence
import PostgresNIO

/// What applying a manifest did to one user.
public struct AppliedManifestUser: Sendable {
    public let email: String
    public let role: Role
    public let created: Bool
    /// Set only when the password was generated now: print it once, it is stored nowhere.
    public let generatedPassword: String?
}

/// Creates or updates a tenant and its users from a manifest, idempotently.
public struct TenantManifestApplier: Sendable {
    let database: Database
    let hasher: PasswordHasher
    let tenants = TenantStore()
    let users = UserStore()
    let audit = AuditLog()

    public init(database: Database, hasher: PasswordHasher) {
        self.database = database
        self.hasher = hasher
    }

    public func apply(
        _ manifest: TenantManifest, environment: [String: String], logger: Logger
    ) async throws -> (tenant: Tenant, users: [AppliedManifestUser]) {
        // Hash outside the transaction: bcrypt is slow on purpose.
        var passwords: [String: (hash: String, generated: String?)] = [:]
        for user in manifest.users {
            if let variable = user.passwordEnv, let password = environment[variable], !password.isEmpty {
                try PasswordHasher.validate(password, pointer: "env:\(variable)")
                passwords[user.email.lowercased()] = (try await hasher.hash(password), nil)
            } else {
                let generated = Self.generatePassword()
                passwords[user.email.lowercased()] = (try await hasher.hash(generated), generated)
            }
        }
        let passwordsByEmail = passwords
        return try await database.withCrossTenantAccess(.tenantManifest, logger: logger) { connection in
            var settings = TenantSettings()
            if let code = manifest.settings?.defaultCountryCode { settings.defaultCountryCode = code }
            if let timezone = manifest.settings?.timezone { settings.timezone = timezone }

            let tenant: Tenant
            if var existing = try await tenants.find(slug: manifest.slug, on: connection, logger: logger) {
                existing.name = manifest.name
                existing.settings.defaultCountryCode = settings.defaultCountryCode
                existing.settings.timezone = settings.timezone
                tenant = try await tenants.update(existing, on: connection, logger: logger)
            } else {
                tenant = try await tenants.insert(
                    slug: manifest.slug, name: manifest.name, settings: settings, on: connection, logger: logger)
            }

            var applied: [AppliedManifestUser] = []
            for entry in manifest.users {
                let password = passwordsByEmail[entry.email.lowercased()]!
                if let (existing, _) = try await users.findCredentials(tenant.id, email: entry.email, on: connection, logger: logger) {
                    var user = existing
                    user.name = entry.name
                    user.role = entry.role
                    user.phone = entry.phone
                    user.status = .active
                    // An existing password changes only when the environment supplies one.
                    let hash = password.generated == nil ? password.hash : nil
                    _ = try await users.update(tenant.id, user, passwordHash: hash, on: connection, logger: logger)
                    applied.append(AppliedManifestUser(email: entry.email, role: entry.role, created: false, generatedPassword: nil))
                } else {
                    let new = NewUser(email: entry.email, name: entry.name, phone: entry.phone, role: entry.role)
                    _ = try await users.insert(tenant.id, new, passwordHash: password.hash, on: connection, logger: logger)
                    applied.append(
                        AppliedManifestUser(email: entry.email, role: entry.role, created: true, generatedPassword: password.generated)
                    )
                }
            }
            try await audit.record(
                tenant.id, actor: .system, action: "tenant.manifest-applied", targetType: "tenant",
                targetID: tenant.id.uuidString, details: ["users": "\(manifest.users.count)"], requestID: nil,
                on: connection, logger: logger
            )
            return (tenant, applied)
        }
    }

    /// 20 characters from an alphabet without look-alikes.
    public static func generatePassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
