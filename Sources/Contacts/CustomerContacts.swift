import Accounts
import ContactFiles
import Foundation
import Logging
import Persistence
import PostgresNIO

/// The CRM contact behind a portal customer: what a call with them is filed under.
public struct CustomerContact: Sendable, Equatable, Codable {
    public let id: UUID
    public let name: String
    public let phone: String?
    public let stage: String
    public let ownerId: UUID?

    public init(id: UUID, name: String, phone: String?, stage: String, ownerId: UUID?) {
        self.id = id
        self.name = name
        self.phone = phone
        self.stage = stage
        self.ownerId = ownerId
    }
}

/// Finds, or makes, the contact linked to a portal customer user.
public struct CustomerContacts: Sendable {
    let store = ContactStore()
    let assignment = ContactAssignment()
    let timeline = ContactTimeline()

    public init() {}

    /// The customer's live contact: the one linked to them, else the one with their
    /// phone (which is then linked), else a new one from their account (auto-assigned
    /// when the tenant says so). Runs in the caller's tenant transaction.
    public func resolve(
        _ tenantID: UUID, customer userID: UUID, settings: TenantSettings, on connection: PooledConnection, logger: Logger
    ) async throws -> CustomerContact? {
        try await resolve(
            tenantID, customer: userID, linked: linkedAhead(tenantID, customer: userID, on: connection, logger: logger), settings: settings,
            on: connection, logger: logger)
    }

    /// The contact linked to the customer, read ahead (`PooledConnection.readAhead`), for
    /// `resolve(_:customer:linked:settings:on:logger:)`.
    public func linkedAhead(_ tenantID: UUID, customer userID: UUID, on connection: PooledConnection, logger: Logger) async
        -> Ahead<CustomerContact?>
    {
        await connection.readAhead(Self.linkedQuery(tenantID, customer: userID), preparedAs: Linked.self, logger: logger).decoded { rows in
            try await ContactStore.contacts(from: rows, tenantID: tenantID).first.map(Self.summary)
        }
    }

    /// `resolve`, starting from the linked contact's read (`linkedAhead`) sent earlier.
    public func resolve(
        _ tenantID: UUID, customer userID: UUID, linked: Ahead<CustomerContact?>, settings: TenantSettings, on connection: PooledConnection,
        logger: Logger
    ) async throws -> CustomerContact? {
        if let contact = try await linked.value() { return contact }
        guard let user = try await UserStore().find(tenantID, id: userID, on: connection, logger: logger), user.role == .customer
        else { return nil }
        let phone = user.phone.flatMap { try? PhoneNumber(parsing: $0, defaultCountryCode: settings.defaultCountryCode).e164 }
        if let phone, var existing = try await store.find(tenantID, phone: phone, on: connection, logger: logger) {
            if existing.customerUserID == nil {
                existing.customerUserID = userID
                existing = try await store.update(existing, on: connection, logger: logger)
            }
            return Self.summary(existing)
        }
        var draft = ContactDraft(name: user.name, phone: phone, email: user.email.lowercased(), source: "portal", customerUserID: userID)
        if settings.contacts.autoAssign {
            draft.ownerID = try await assignment.nextOwners(tenantID, count: 1, on: connection, logger: logger).first
        }
        let contact = try await store.insert(
            draft, id: UUID.timeOrdered(), tenantID: tenantID, createdBy: nil, on: connection, logger: logger)
        try await timeline.record(
            tenantID, contact: contact.id, kind: .created, actor: userID, data: ["source": "portal"], on: connection, logger: logger)
        if let owner = contact.ownerID {
            try await assignment.announce(
                tenantID, contacts: [(contact.id, contact.name, contact.phone, owner)], by: nil, on: connection, logger: logger)
        }
        return Self.summary(contact)
    }

    /// Every call a customer makes or receives looks this up: prepared.
    enum Linked: PreparedSQL { static let sql = CustomerContacts.linkedQuery(UUID(), customer: UUID()).sql }

    static func linkedQuery(_ tenantID: UUID, customer userID: UUID) -> PostgresQuery {
        """
        SELECT \(unescaped: ContactStore.columns) FROM contacts c
        WHERE c.tenant_id = \(tenantID) AND c.customer_user_id = \(userID) AND c.deleted_at IS NULL
        ORDER BY c.created_at LIMIT 1
        """
    }

    static func summary(_ contact: Contact) -> CustomerContact {
        CustomerContact(id: contact.id, name: contact.name, phone: contact.phone, stage: contact.stage.rawValue, ownerId: contact.ownerID)
    }
}
