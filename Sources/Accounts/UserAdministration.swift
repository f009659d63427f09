import Foundation
import Logging
import Persistence
import PostgresNIO

/// The tenant admin's user management, with the ownership rules:
/// only owners create, promote or change owners, and the last active owner can be
/// neither demoted nor disabled. Every change is audited in its own transaction.
public struct UserAdministration: Sendable {
    let database: Database
    let hasher: PasswordHasher
    let users = UserStore()
    let sessions = SessionStore()
    let audit = AuditLog()

    public init(database: Database, hasher: PasswordHasher) {
        self.database = database
        self.hasher = hasher
    }

    public func list(
        _ tenantID: UUID, filter: UserFilter, after: Int64?, limit: Int, logger: Logger
    ) async throws -> [(user: User, sequence: Int64)] {
        try await database.withTenant(tenantID, logger: logger) { connection in
            try await users.list(tenantID, filter: filter, after: after, limit: limit, on: connection, logger: logger)
        }
    }

    public func get(_ tenantID: UUID, id: UUID, logger: Logger) async throws -> User {
        let user = try await database.withTenant(tenantID, logger: logger) { connection in
            try await users.find(tenantID, id: id, on: connection, logger: logger)
        }
        guard let user else { throw AccountsError.userNotFound }
        return user
    }

    public func create(_ new: NewUser, password: String, by actor: AdminActor, logger: Logger) async throws -> User {
        if new.role == .owner, actor.role != .owner { throw AccountsError.ownerRequired }
        let hash = try await hasher.hash(password)
        return try await database.withTenant(actor.tenantID, logger: logger) { connection in
            let user = try await users.insert(actor.tenantID, new, passwordHash: hash, on: connection, logger: logger)
            try await audit.record(
                actor.tenantID, actor: .user(actor.userID), action: "user.created", targetType: "user",
                targetID: user.id.uuidString, details: ["role": user.role.rawValue], requestID: actor.requestID,
                on: connection, logger: logger
            )
            return user
        }
    }

    public func update(_ id: UUID, changes: UserChanges, by actor: AdminActor, logger: Logger) async throws -> User {
        let hash: String? = if let password = changes.password { try await hasher.hash(password) } else { nil }
        let tenantID = actor.tenantID
        return try await database.withTenant(tenantID, logger: logger) { connection in
            // Lock the owners first so concurrent changes see a consistent count.
            let activeOwners = try await users.lockActiveOwners(tenantID, on: connection, logger: logger)
            guard let current = try await users.find(tenantID, id: id, on: connection, logger: logger) else {
                throw AccountsError.userNotFound
            }
            var next = current
            if let email = changes.email { next.email = email }
            if let name = changes.name { next.name = name }
            if let phone = changes.phone { next.phone = phone }
            if let role = changes.role { next.role = role }
            if let status = changes.status { next.status = status }

            if actor.role != .owner, current.role == .owner || next.role == .owner {
                throw AccountsError.ownerRequired
            }
            let wasActiveOwner = current.role == .owner && current.status == .active
            let staysActiveOwner = next.role == .owner && next.status == .active
            if wasActiveOwner, !staysActiveOwner, activeOwners.count <= 1 {
                throw AccountsError.lastOwner
            }

            let updated = try await users.update(tenantID, next, passwordHash: hash, on: connection, logger: logger)
            if updated.status == .disabled || hash != nil {
                let reason = hash != nil ? "password-reset" : "user-disabled"
                try await sessions.revokeAll(tenantID, userID: id, reason: reason, on: connection, logger: logger)
            }
            try await audit.record(
                tenantID, actor: .user(actor.userID), action: "user.updated", targetType: "user",
                targetID: id.uuidString, details: ["fields": changes.changedFields.joined(separator: ",")],
                requestID: actor.requestID, on: connection, logger: logger
            )
            return updated
        }
    }

    /// Disables the user; the row and its history stay.
    public func disable(_ id: UUID, by actor: AdminActor, logger: Logger) async throws -> User {
        try await update(id, changes: UserChanges(status: .disabled), by: actor, logger: logger)
    }
}
