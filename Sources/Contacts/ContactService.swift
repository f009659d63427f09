import Accounts
import ContactFiles
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Contacts: create, read, list, change, delete and restore, with the tenant's
/// visibility rule, phone normalisation, auto-assignment and timeline entries.
public struct ContactService: Sendable {
    let database: Database
    let store = ContactStore()
    let tags = TagStore()
    let timeline = ContactTimeline()
    let assignment = ContactAssignment()
    let tenants = TenantStore()

    public init(database: Database) {
        self.database = database
    }

    /// Creates a contact. `draft.phone` is as typed; it is stored in E.164.
    public func create(_ draft: ContactDraft, by actor: ContactActor, logger: Logger) async throws -> Contact {
        try await database.withTenantSettings(actor.tenantID, logger: logger) { connection, settings in
            var draft = draft
            draft.phone = try draft.phone.map { try Self.normalizedPhone($0, settings: settings) }
            try await validateReferences(
                actor.tenantID, owner: draft.ownerID, customer: draft.customerUserID, on: connection, logger: logger)
            if draft.ownerID == nil, settings.contacts.autoAssign {
                draft.ownerID = try await assignment.nextOwners(actor.tenantID, count: 1, on: connection, logger: logger).first
            }
            let contact = try await uniquePhone((actor.tenantID, nil, draft.phone), on: connection, logger: logger) {
                try await store.insert(
                    draft, id: UUID.timeOrdered(), tenantID: actor.tenantID, createdBy: actor.userID, on: connection, logger: logger)
            }
            try await tags.ensure(actor.tenantID, contact.tags, on: connection, logger: logger)
            try await timeline.record(
                actor.tenantID, contact: contact.id, kind: .created, actor: actor.userID, data: ["source": contact.source ?? "api"],
                on: connection, logger: logger)
            if let owner = contact.ownerID {
                try await assignment.announce(
                    actor.tenantID, contacts: [(contact.id, contact.name, contact.phone, owner)], by: actor.userID,
                    on: connection, logger: logger)
            }
            return contact
        }
    }

    /// The contact, if this actor may see it (`deleted` reads a soft-deleted one).
    public func get(_ id: UUID, deleted: Bool = false, by actor: ContactActor, logger: Logger) async throws -> Contact {
        try await database.withTenantSettings(actor.tenantID, logger: logger) { connection, settings in
            try await visible(id, deleted: deleted, by: actor, settings: settings, on: connection, logger: logger)
        }
    }

    /// Rules out sorts, hash joins and merge joins for the rest of the transaction.
    static let walkIndexesOnly: PostgresQuery = """
        SELECT set_config('enable_sort', 'off', true), set_config('enable_hashjoin', 'off', true),
               set_config('enable_mergejoin', 'off', true)
        """

    /// One page of the contacts this actor may see.
    public func list(
        _ filter: ContactFilter, sort: ContactSort, after cursor: ContactCursor?, limit: Int, by actor: ContactActor, logger: Logger
    ) async throws -> [Contact] {
        try await database.withTenantSettings(actor.tenantID, logger: logger) { connection, settings in
            var query = ContactQuery(
                tenantID: actor.tenantID, filter: filter, visibleOwner: actor.visibleOwner(settings.contacts),
                defaultCountryCode: settings.defaultCountryCode)
            if query.walksTagIndex(sort: sort) {
                // Under row-level security the planner counts the tenant twice (the query's
                // condition and the policy's), so it expects a tenth of the rows a stage and
                // a tag share and picks a hash join and a sort over all of them (86 ms for
                // `new` + a rare tag, ops/bench contacts). Walking the tag's index in order,
                // stopping at the page's end, is what the index is for: rule out the others
                // for this transaction (sent with the page: one wait for both).
                let rows = try await connection.query(
                    query.page(sort: sort, after: cursor, limit: limit), after: Self.walkIndexesOnly, logger: logger)
                return try await ContactStore.contacts(from: rows, tenantID: actor.tenantID)
            }
            let rows = try await connection.query(query.page(sort: sort, after: cursor, limit: limit), logger: logger)
            return try await ContactStore.contacts(from: rows, tenantID: actor.tenantID)
        }
    }

    /// Applies `changes`, recording stage and owner changes on the timeline and
    /// telling a new owner.
    public func update(_ id: UUID, _ changes: ContactChanges, by actor: ContactActor, logger: Logger) async throws -> Contact {
        try await database.withTenantSettings(actor.tenantID, logger: logger) { connection, settings in
            let before = try await visible(id, lock: true, by: actor, settings: settings, on: connection, logger: logger)
            var contact = before
            if let name = changes.name { contact.name = name }
            if let phone = changes.phone { contact.phone = try phone.map { try Self.normalizedPhone($0, settings: settings) } }
            if let email = changes.email { contact.email = email }
            if let source = changes.source { contact.source = source }
            if let stage = changes.stage { contact.stage = stage }
            if let temperature = changes.temperature { contact.temperature = temperature }
            if let score = changes.score { contact.score = score }
            if let newTags = changes.tags { contact.tags = newTags }
            if let owner = changes.ownerID { contact.ownerID = owner }
            if let customer = changes.customerUserID { contact.customerUserID = customer }
            if let patch = changes.customFields {
                contact.customFields = try await store.mergeCustomFields(contact.customFields, patch, on: connection, logger: logger)
            }
            try await validateReferences(
                actor.tenantID, owner: changes.ownerID.flatMap { $0 }, customer: changes.customerUserID.flatMap { $0 },
                on: connection, logger: logger)
            let updated = try await uniquePhone((actor.tenantID, id, contact.phone), on: connection, logger: logger) {
                try await store.update(contact, on: connection, logger: logger)
            }
            try await tags.ensure(actor.tenantID, updated.tags, on: connection, logger: logger)
            try await recordChanges(from: before, to: updated, by: actor.userID, on: connection, logger: logger)
            return updated
        }
    }

    /// Soft-deletes the contact.
    public func delete(_ id: UUID, by actor: ContactActor, logger: Logger) async throws {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            var contact = try await visible(id, lock: true, by: actor, on: connection, logger: logger)
            contact.deletedAt = Date()
            _ = try await store.update(contact, on: connection, logger: logger)
            try await timeline.record(
                actor.tenantID, contact: id, kind: .deleted, actor: actor.userID, data: [String: String](), on: connection, logger: logger)
        }
    }

    /// Brings a soft-deleted contact back (administrators); 409 when its phone has
    /// since gone to another contact.
    public func restore(_ id: UUID, by actor: ContactActor, logger: Logger) async throws -> Contact {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            guard var contact = try await store.find(actor.tenantID, id: id, deleted: true, lock: true, on: connection, logger: logger)
            else { throw ContactError.notFound }
            contact.deletedAt = nil
            let restored = try await uniquePhone((actor.tenantID, id, contact.phone), on: connection, logger: logger) {
                try await store.update(contact, on: connection, logger: logger)
            }
            try await timeline.record(
                actor.tenantID, contact: id, kind: .restored, actor: actor.userID, data: [String: String](), on: connection, logger: logger)
            return restored
        }
    }
}
