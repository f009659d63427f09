import Accounts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Finds, or makes, the contact behind a phone number: how a WhatsApp sender (or any
/// other channel that knows only a number) becomes a CRM contact.
public struct PhoneContacts: Sendable {
    let store = ContactStore()
    let assignment = ContactAssignment()
    let timeline = ContactTimeline()

    public init() {}

    /// The live contact with `phone` (E.164), or a new one named `name` (the phone
    /// when the channel gave no name) with `source`, auto-assigned when the tenant
    /// says so, with its `created` timeline entry and `contact.assigned` event. Runs
    /// in the caller's tenant transaction; `created` says which happened.
    public func findOrCreate(
        _ tenantID: UUID, phone: String, name: String?, source: String, settings: TenantSettings,
        on connection: PooledConnection, logger: Logger
    ) async throws -> (contact: CustomerContact, created: Bool) {
        if let existing = try await store.find(tenantID, phone: phone, on: connection, logger: logger) {
            return (CustomerContacts.summary(existing), false)
        }
        let trimmed = name?.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200)
        var draft = ContactDraft(name: trimmed.map(String.init).flatMap { $0.isEmpty ? nil : $0 } ?? phone, phone: phone, source: source)
        if settings.contacts.autoAssign {
            draft.ownerID = try await assignment.nextOwners(tenantID, count: 1, on: connection, logger: logger).first
        }
        let contact = try await store.insert(draft, id: UUID.timeOrdered(), tenantID: tenantID, createdBy: nil, on: connection, logger: logger)
        try await timeline.record(
            tenantID, contact: contact.id, kind: .created, actor: nil, data: ["source": source], on: connection, logger: logger)
        if let owner = contact.ownerID {
            try await assignment.announce(
                tenantID, contacts: [(contact.id, contact.name, contact.phone, owner)], by: nil, on: connection, logger: logger)
        }
        return (CustomerContacts.summary(contact), true)
    }

    /// The live contact `id`, when the tenant has it.
    public func find(_ tenantID: UUID, id: UUID, on connection: PooledConnection, logger: Logger) async throws -> CustomerContact? {
        try await store.find(tenantID, id: id, on: connection, logger: logger).map(CustomerContacts.summary)
    }
}
