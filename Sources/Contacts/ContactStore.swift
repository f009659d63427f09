import Foundation
import Logging
import Persistence
import PostgresNIO

/// SQL for contacts. Every statement names the tenant; callers run them inside
/// `Database.withTenant`.
struct ContactStore: Sendable {
    static let columns = """
        c.id, c.name, c.phone, c.email, c.source, c.stage, c.temperature, c.score, c.tags, c.owner_id,
        c.custom_fields::text, c.customer_user_id, c.created_by, c.created_at, c.updated_at, c.deleted_at
        """

    func insert(
        _ draft: ContactDraft, id: UUID, tenantID: UUID, createdBy: UUID?, on connection: PooledConnection, logger: Logger
    ) async throws -> Contact {
        let rows = try await connection.query(
            """
            INSERT INTO contacts AS c (id, tenant_id, name, phone, email, source, stage, temperature, score, tags, owner_id,
                                       custom_fields, customer_user_id, created_by)
            VALUES (\(id), \(tenantID), \(draft.name), \(draft.phone), \(draft.email), \(draft.source), \(draft.stage.rawValue),
                    \(draft.temperature?.rawValue), \(draft.score), \(draft.tags), \(draft.ownerID), \(draft.customFields)::jsonb,
                    \(draft.customerUserID), \(createdBy))
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger
        )
        guard let contact = try await Self.contacts(from: rows, tenantID: tenantID).first else {
            throw ContactError.notFound  // INSERT ... RETURNING always returns the row
        }
        return contact
    }

    /// The contact, live or (with `deleted`) soft-deleted, locked when `lock`.
    func find(
        _ tenantID: UUID, id: UUID, deleted: Bool = false, lock: Bool = false, on connection: PooledConnection, logger: Logger
    ) async throws -> Contact? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM contacts c
            WHERE c.tenant_id = \(tenantID) AND c.id = \(id) AND (c.deleted_at IS NOT NULL) = \(deleted)
            \(unescaped: lock ? "FOR UPDATE" : "")
            """,
            logger: logger
        )
        return try await Self.contacts(from: rows, tenantID: tenantID).first
    }

    /// The live contact with `phone`, if any.
    /// Every contact written checks its phone is free this way: prepared.
    enum FindByPhone: PreparedSQL { static let sql = ContactStore.findQuery(UUID(), phone: "").sql }

    static func findQuery(_ tenantID: UUID, phone: String) -> PostgresQuery {
        "SELECT \(unescaped: Self.columns) FROM contacts c WHERE c.tenant_id = \(tenantID) AND c.phone = \(phone) AND c.deleted_at IS NULL"
    }

    func find(_ tenantID: UUID, phone: String, on connection: PooledConnection, logger: Logger) async throws -> Contact? {
        let rows = try await connection.query(Self.findQuery(tenantID, phone: phone), preparedAs: FindByPhone.self, logger: logger)
        return try await Self.contacts(from: rows, tenantID: tenantID).first
    }

    /// The live contacts with these phones (E.164), by phone.
    func find(_ tenantID: UUID, phones: [String], on connection: PooledConnection, logger: Logger) async throws -> [String: Contact] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM contacts c
            WHERE c.tenant_id = \(tenantID) AND c.phone = ANY(\(phones)::text[]) AND c.deleted_at IS NULL
            """,
            logger: logger)
        var found: [String: Contact] = [:]
        for contact in try await Self.contacts(from: rows, tenantID: tenantID) {
            if let phone = contact.phone { found[phone] = contact }
        }
        return found
    }

    /// Inserts contacts that have a name, phone, source and perhaps an owner (what a
    /// channel that knows only a number makes) in one statement; a phone some live
    /// contact has meanwhile is left out of the answer (the caller decides).
    func insertFromChannel(
        _ drafts: [(id: UUID, draft: ContactDraft)], tenantID: UUID, on connection: PooledConnection, logger: Logger
    ) async throws -> [Contact] {
        guard !drafts.isEmpty else { return [] }
        // An array bind carries no NULLs: the placeholder id stands for no owner.
        let rows = try await connection.query(
            """
            INSERT INTO contacts AS c (id, tenant_id, name, phone, source, owner_id)
            SELECT d.id, \(tenantID), d.name, d.phone, d.source, nullif(d.owner_id, \(UUID.placeholder))
            FROM unnest(\(drafts.map(\.id))::uuid[], \(drafts.map(\.draft.name))::text[], \(drafts.map { $0.draft.phone ?? "" })::text[],
                        \(drafts.map { $0.draft.source ?? "" })::text[], \(drafts.map { $0.draft.ownerID ?? .placeholder })::uuid[])
                 WITH ORDINALITY AS d(id, name, phone, source, owner_id, n)
            ORDER BY d.n
            ON CONFLICT (tenant_id, phone) WHERE phone IS NOT NULL AND deleted_at IS NULL DO NOTHING
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger)
        return try await Self.contacts(from: rows, tenantID: tenantID)
    }

    /// Writes every field of `contact` and stamps `updated_at`.
    func update(_ contact: Contact, on connection: PooledConnection, logger: Logger) async throws -> Contact {
        let rows = try await connection.query(
            """
            UPDATE contacts c SET name = \(contact.name), phone = \(contact.phone), email = \(contact.email), source = \(contact.source),
                   stage = \(contact.stage.rawValue), temperature = \(contact.temperature?.rawValue), score = \(contact.score),
                   tags = \(contact.tags), owner_id = \(contact.ownerID), custom_fields = \(contact.customFields)::jsonb,
                   customer_user_id = \(contact.customerUserID), deleted_at = \(contact.deletedAt), updated_at = now()
            WHERE c.tenant_id = \(contact.tenantID) AND c.id = \(contact.id)
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger
        )
        guard let updated = try await Self.contacts(from: rows, tenantID: contact.tenantID).first else { throw ContactError.notFound }
        return updated
    }

    /// `base`'s custom fields with `patch`'s top-level keys merged in (a null removes
    /// a key; nulls nested inside values are kept).
    func mergeCustomFields(_ base: String, _ patch: String, on connection: PooledConnection, logger: Logger) async throws -> String {
        let rows = try await connection.query(
            """
            SELECT ((\(base)::jsonb || \(patch)::jsonb)
                    - ARRAY(SELECT key FROM jsonb_each(\(patch)::jsonb) WHERE jsonb_typeof(value) = 'null'))::text
            """, logger: logger
        )
        for try await text in rows.decode(String.self) { return text }
        return base
    }

    static func contacts(from rows: some AsyncSequence<PostgresRow, any Error>, tenantID: UUID) async throws -> [Contact] {
        var contacts: [Contact] = []
        for try await row in rows {
            var columns = row.makeIterator()
            contacts.append(
                Contact(
                    id: try columns.column(), tenantID: tenantID, name: try columns.column(), phone: try columns.column(),
                    email: try columns.column(), source: try columns.column(),
                    stage: ContactStage(rawValue: try columns.column(String.self)) ?? .new,
                    temperature: try columns.column(String?.self).flatMap(ContactTemperature.init(rawValue:)),
                    score: try columns.column(), tags: try columns.column(), ownerID: try columns.column(),
                    customFields: try columns.column(), customerUserID: try columns.column(), createdBy: try columns.column(),
                    createdAt: try columns.column(), updatedAt: try columns.column(), deletedAt: try columns.column()
                )
            )
        }
        return contacts
    }
}
