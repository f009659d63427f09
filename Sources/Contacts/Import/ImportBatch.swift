import Accounts
import ContactFiles
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Writes one batch of an import's contacts in the caller's transaction: new
/// phones become contacts, known phones are merged.
struct ImportBatch {
    let job: ContactImport
    let settings: TenantSettings
    let store = ContactStore()
    let tags = TagStore()
    let timeline = ContactTimeline()
    let assignment = ContactAssignment()

    struct Outcome {
        var created = 0
        var merged = 0
        var skipped = 0
    }

    /// A phone created by someone else between our read and our insert; the caller
    /// retries the batch, which then sees it as existing.
    struct ConcurrentInsert: Error {}

    func apply(_ rows: ArraySlice<ImportedContact>, on connection: PooledConnection, logger: Logger) async throws -> Outcome {
        let tenantID = job.tenantID
        let existing = try await existingContacts(rows.map(\.phone.e164), on: connection, logger: logger)
        var outcome = Outcome()
        var updates: [MergedFields] = []
        var fresh: [NewContact] = []
        let merge = ImportMerge(overwrite: job.overwrite)
        for row in rows {
            if let contact = existing[row.phone.e164] {
                if let fields = merge.merged(contact, with: row) {
                    updates.append(fields)
                    outcome.merged += 1
                } else {
                    outcome.skipped += 1
                }
            } else {
                fresh.append(NewContact(row))
            }
        }
        if settings.contacts.autoAssign {
            let owners = try await assignment.nextOwners(tenantID, count: fresh.count, on: connection, logger: logger)
            for index in fresh.indices where index < owners.count { fresh[index].ownerID = owners[index] }
        }
        try await insert(fresh, on: connection, logger: logger)
        try await update(updates, on: connection, logger: logger)
        outcome.created = fresh.count

        let allTags = Set(rows.flatMap(\.tags))
        try await tags.ensure(tenantID, allTags.sorted(), on: connection, logger: logger)
        let entry = String(decoding: try JSONEncoder().encode(["importId": job.id.uuidString, "fileName": job.fileName ?? ""]), as: UTF8.self)
        try await timeline.recordMany(
            tenantID, contacts: fresh.map(\.id) + updates.map(\.id), kind: .imported, actor: job.createdBy, data: entry,
            on: connection, logger: logger)
        try await addNotes(fresh, on: connection, logger: logger)
        let assigned = fresh.compactMap { contact in contact.ownerID.map { (contact.id, contact.name, Optional(contact.phone), $0) } }
        try await assignment.announce(tenantID, contacts: assigned, by: job.createdBy, importID: job.id, on: connection, logger: logger)
        return outcome
    }

    private func existingContacts(_ phones: [String], on connection: PooledConnection, logger: Logger) async throws -> [String: Contact] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: ContactStore.columns) FROM contacts c
            WHERE c.tenant_id = \(job.tenantID) AND c.phone = ANY (\(phones)) AND c.deleted_at IS NULL
            FOR UPDATE
            """,
            logger: logger
        )
        var byPhone: [String: Contact] = [:]
        for contact in try await ContactStore.contacts(from: rows, tenantID: job.tenantID) {
            if let phone = contact.phone { byPhone[phone] = contact }
        }
        return byPhone
    }

    private func insert(_ contacts: [NewContact], on connection: PooledConnection, logger: Logger) async throws {
        guard !contacts.isEmpty else { return }
        let json = String(decoding: try JSONEncoder().encode(contacts), as: UTF8.self)
        let rows = try await connection.query(
            """
            INSERT INTO contacts (id, tenant_id, name, phone, email, source, stage, temperature, score, tags, owner_id,
                                  custom_fields, created_by)
            SELECT x.id, \(job.tenantID), x.name, x.phone, x.email, x.source, coalesce(x.stage, 'new'), x.temperature,
                   coalesce(x.score, 0), x.tags, x.owner_id, x.custom_fields, \(job.createdBy)
            FROM jsonb_to_recordset(\(json)::jsonb) AS x(
                id uuid, name text, phone text, email text, source text, stage text, temperature text, score integer,
                tags text[], owner_id uuid, custom_fields jsonb)
            ON CONFLICT (tenant_id, phone) WHERE phone IS NOT NULL AND deleted_at IS NULL DO NOTHING
            RETURNING 1
            """,
            logger: logger
        )
        var inserted = 0
        for try await _ in rows { inserted += 1 }
        if inserted != contacts.count { throw ConcurrentInsert() }
    }

    private func update(_ contacts: [MergedFields], on connection: PooledConnection, logger: Logger) async throws {
        guard !contacts.isEmpty else { return }
        let json = String(decoding: try JSONEncoder().encode(contacts), as: UTF8.self)
        try await connection.query(
            """
            UPDATE contacts c SET name = x.name, email = x.email, source = x.source, stage = x.stage, temperature = x.temperature,
                   score = x.score, tags = x.tags, custom_fields = c.custom_fields || x.custom_fields, updated_at = now()
            FROM jsonb_to_recordset(\(json)::jsonb) AS x(
                id uuid, name text, email text, source text, stage text, temperature text, score integer, tags text[],
                custom_fields jsonb)
            WHERE c.tenant_id = \(job.tenantID) AND c.id = x.id
            """,
            logger: logger
        )
    }

    /// A "Notes" column becomes a note on the contacts the import created.
    private func addNotes(_ contacts: [NewContact], on connection: PooledConnection, logger: Logger) async throws {
        let notes = contacts.compactMap { contact in contact.note.map { ["contact_id": contact.id.uuidString, "body": $0] } }
        guard !notes.isEmpty else { return }
        let json = String(decoding: try JSONEncoder().encode(notes), as: UTF8.self)
        try await connection.query(
            """
            WITH notes AS (
                INSERT INTO contact_notes (id, tenant_id, contact_id, author_id, body)
                SELECT gen_random_uuid(), \(job.tenantID), x.contact_id, \(job.createdBy), x.body
                FROM jsonb_to_recordset(\(json)::jsonb) AS x(contact_id uuid, body text)
                RETURNING id, contact_id, body, created_at
            )
            INSERT INTO contact_timeline (id, tenant_id, contact_id, kind, actor_id, occurred_at, data)
            SELECT gen_random_uuid(), \(job.tenantID), contact_id, 'note', \(job.createdBy), created_at,
                   jsonb_build_object('noteId', id, 'body', body)
            FROM notes
            """,
            logger: logger
        )
    }
}

/// An imported row that becomes a new contact, in the shape `jsonb_to_recordset` reads.
struct NewContact: Encodable {
    let id: UUID
    let name: String
    let phone: String
    let email: String?
    let source: String?
    let stage: String?
    let temperature: String?
    let score: Int?
    let tags: [String]
    var ownerID: UUID?
    let customFields: [String: String]
    let note: String?

    enum CodingKeys: String, CodingKey {
        case id, name, phone, email, source, stage, temperature, score, tags, note
        case ownerID = "owner_id"
        case customFields = "custom_fields"
    }

    init(_ row: ImportedContact) {
        id = UUID.timeOrdered()
        // A row without a name still makes a contact; its phone names it until someone edits it.
        name = String((row.name ?? row.phone.e164).prefix(200))
        phone = row.phone.e164
        email = row.email
        source = row.source
        stage = row.stage
        temperature = row.temperature
        score = row.score
        tags = row.tags
        ownerID = nil
        customFields = row.customFields
        note = row.note
    }
}
