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

    /// The live contacts with these phones (E.164), and new ones for the others: named
    /// `name` (the phone when the channel gave none), with `source`, auto-assigned
    /// when the tenant says so, with their `created` timeline entries and
    /// `contact.assigned`; in a few statements however many there are. The answer
    /// follows `numbers`' order. Runs in the caller's tenant transaction; throws
    /// `ConcurrentCreate` when another transaction made one of the contacts meanwhile
    /// (a second try finds it).
    public func findOrCreate(
        _ tenantID: UUID, numbers: [(phone: String, name: String?)], source: String, settings: TenantSettings,
        on connection: PooledConnection, logger: Logger
    ) async throws -> [CustomerContact] {
        var found = try await store.find(tenantID, phones: numbers.map(\.phone), on: connection, logger: logger)
        var missing: [(id: UUID, draft: ContactDraft)] = []
        for number in numbers where found[number.phone] == nil && !missing.contains(where: { $0.draft.phone == number.phone }) {
            missing.append((UUID.timeOrdered(), Self.draft(phone: number.phone, name: number.name, source: source)))
        }
        if !missing.isEmpty {
            if settings.contacts.autoAssign {
                let owners = try await assignment.nextOwners(tenantID, count: missing.count, on: connection, logger: logger)
                for index in missing.indices where index < owners.count { missing[index].draft.ownerID = owners[index] }
            }
            let made = try await store.insertFromChannel(missing, tenantID: tenantID, on: connection, logger: logger)
            guard made.count == missing.count else { throw ConcurrentCreate() }
            let data = String(decoding: try JSONEncoder().encode(["source": source]), as: UTF8.self)
            try await timeline.recordMany(
                tenantID, contacts: made.map(\.id), kind: .created, actor: nil, data: data, on: connection, logger: logger)
            let owned = made.compactMap { contact in contact.ownerID.map { (contact.id, contact.name, contact.phone, $0) } }
            if !owned.isEmpty { try await assignment.announce(tenantID, contacts: owned, by: nil, on: connection, logger: logger) }
            for contact in made { if let phone = contact.phone { found[phone] = contact } }
        }
        return numbers.compactMap { found[$0.phone].map(CustomerContacts.summary) }
    }

    /// Another transaction made a contact with one of the numbers meanwhile.
    public struct ConcurrentCreate: Error {}

    /// A new contact from a channel: named as the channel names the sender, else by
    /// their number.
    static func draft(phone: String, name: String?, source: String) -> ContactDraft {
        let trimmed = name?.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200)
        return ContactDraft(name: trimmed.map(String.init).flatMap { $0.isEmpty ? nil : $0 } ?? phone, phone: phone, source: source)
    }

    /// The live contact `id`, when the tenant has it.
    public func find(_ tenantID: UUID, id: UUID, on connection: PooledConnection, logger: Logger) async throws -> CustomerContact? {
        try await store.find(tenantID, id: id, on: connection, logger: logger).map(CustomerContacts.summary)
    }
}
