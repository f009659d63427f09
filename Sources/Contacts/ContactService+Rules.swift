import Accounts
import ContactFiles
import Foundation
import Logging
import Persistence
import PostgresNIO

extension ContactService {
    func settings(_ tenantID: UUID, on connection: PooledConnection, logger: Logger) async throws -> TenantSettings {
        try await tenants.find(id: tenantID, on: connection, logger: logger)?.settings ?? TenantSettings()
    }

    /// The contact if `actor` may see it: agents only their own when the tenant says so.
    func visible(
        _ id: UUID, deleted: Bool = false, lock: Bool = false, by actor: ContactActor, settings: TenantSettings? = nil,
        on connection: PooledConnection, logger: Logger
    ) async throws -> Contact {
        var resolved = settings
        if resolved == nil { resolved = try await self.settings(actor.tenantID, on: connection, logger: logger) }
        guard let contact = try await store.find(actor.tenantID, id: id, deleted: deleted, lock: lock, on: connection, logger: logger)
        else { throw ContactError.notFound }
        if let owner = actor.visibleOwner(resolved?.contacts ?? ContactSettings()), contact.ownerID != owner { throw ContactError.notFound }
        return contact
    }

    static func normalizedPhone(_ raw: String, settings: TenantSettings) throws -> String {
        do {
            return try PhoneNumber(parsing: raw, defaultCountryCode: settings.defaultCountryCode).e164
        } catch {
            throw ContactError.invalid(pointer: "/phone", reason: error.reason)
        }
    }

    /// An owner must be an active staff member of the tenant; a linked customer, a
    /// customer user of the tenant.
    func validateReferences(
        _ tenantID: UUID, owner: UUID?, customer: UUID?, on connection: PooledConnection, logger: Logger
    ) async throws {
        if let owner {
            let rows = try await connection.query(
                """
                SELECT 1 FROM users WHERE tenant_id = \(tenantID) AND id = \(owner) AND status = 'active'
                  AND role IN ('owner', 'admin', 'agent')
                """, logger: logger)
            var found = false
            for try await _ in rows { found = true }
            if !found { throw ContactError.invalid(pointer: "/ownerId", reason: "is not an active staff member of this tenant") }
        }
        if let customer {
            let rows = try await connection.query(
                "SELECT 1 FROM users WHERE tenant_id = \(tenantID) AND id = \(customer) AND role = 'customer'", logger: logger)
            var found = false
            for try await _ in rows { found = true }
            if !found { throw ContactError.invalid(pointer: "/customerUserId", reason: "is not a portal customer of this tenant") }
        }
    }

    /// Runs `body` (which writes `contact`), first refusing a phone another live
    /// contact has, and turning a clash a concurrent write caused into `duplicatePhone`.
    func uniquePhone(
        _ contact: (tenantID: UUID, id: UUID?, phone: String?), on connection: PooledConnection, logger: Logger,
        _ body: () async throws -> Contact
    ) async throws -> Contact {
        if let phone = contact.phone, let existing = try await store.find(contact.tenantID, phone: phone, on: connection, logger: logger),
            existing.id != contact.id
        {
            throw ContactError.duplicatePhone(existing: existing.id)
        }
        do {
            return try await body()
        } catch where error.violatedUniqueConstraint == "contacts_tenant_phone_key" {
            throw ContactError.duplicatePhone(existing: nil)
        }
    }

    /// Timeline entries for stage and owner changes, and `contact.assigned` to a new owner.
    func recordChanges(
        from before: Contact, to after: Contact, by actor: UUID?, on connection: PooledConnection, logger: Logger
    ) async throws {
        if before.stage != after.stage {
            try await timeline.record(
                after.tenantID, contact: after.id, kind: .stageChanged, actor: actor,
                data: ["from": before.stage.rawValue, "to": after.stage.rawValue], on: connection, logger: logger)
        }
        if before.ownerID != after.ownerID {
            try await timeline.record(
                after.tenantID, contact: after.id, kind: .ownerChanged, actor: actor,
                data: ["from": before.ownerID?.uuidString, "to": after.ownerID?.uuidString], on: connection, logger: logger)
            if let owner = after.ownerID {
                try await assignment.announce(
                    after.tenantID, contacts: [(after.id, after.name, after.phone, owner)], by: actor, on: connection, logger: logger)
            }
        }
    }
}
