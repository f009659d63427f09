import Accounts
import ContactFiles
import Foundation
import Logging
import NIOPosix
import Persistence
import PostgresNIO
import Realtime
import ServiceLifecycle

/// Runs an import job: batches of contacts, each committed with the job's progress,
/// and `import.progress` / `import.completed` events to the importing user.
struct ContactImporter: Sendable {
    let database: Database
    let store = ContactImportStore()
    let tenants = TenantStore()
    let outbox = EventOutbox()
    /// A node that stops renewing its lease for this long loses the job to another node.
    static let leaseSeconds = 60
    static let batchSize = 1_000

    /// Runs the job if this node can claim it; `parsed` saves re-reading the file
    /// when the node that received the upload runs it.
    func run(_ tenantID: UUID, id: UUID, parsed: ParsedContactFile?, logger: Logger) async throws {
        let claimed = try await database.withTenant(tenantID, logger: logger) { connection -> (Int, ByteBuffer, TenantSettings, ContactImport)? in
            guard let (resumeAt, file) = try await store.claim(tenantID, id: id, leaseSeconds: Self.leaseSeconds, on: connection, logger: logger),
                let job = try await store.find(tenantID, id: id, on: connection, logger: logger)
            else { return nil }
            let settings = try await tenants.find(id: tenantID, on: connection, logger: logger)?.settings ?? TenantSettings()
            return (resumeAt, file, settings, job)
        }
        guard let (resumeAt, file, settings, claimedJob) = claimed else { return }
        var job = claimedJob
        var logger = logger
        logger[metadataKey: "import_id"] = "\(id)"
        let contacts: [ImportedContact]
        if let parsed {
            contacts = parsed.contacts
        } else {
            let reread = try await Self.parseOnThreadPool(
                Data(file.readableBytesView), format: ContactFileFormat(rawValue: job.format) ?? .csv,
                defaultCountryCode: settings.defaultCountryCode)
            switch reread {
            case .success(let parsed): contacts = parsed.contacts
            case .failure(let error):
                _ = try await finish(job, status: .failed, error: "\(error)", logger: logger)
                return
            }
        }
        var start = resumeAt
        var lastProgress = ContinuousClock.now
        while start < contacts.count {
            if Task.isShuttingDownGracefully {
                // Hand the job on now rather than when the lease runs out.
                try await database.withTenant(tenantID, logger: logger) { connection in
                    try await store.release(tenantID, id: id, on: connection, logger: logger)
                }
                return
            }
            let end = min(start + Self.batchSize, contacts.count)
            let batch = ImportBatch(job: job, settings: settings)
            job = try await applyWithRetry(batch, contacts[start..<end], resumeAt: end, logger: logger) ?? job
            start = end
            if ContinuousClock.now - lastProgress >= .seconds(1), start < contacts.count {
                lastProgress = .now
                try await database.withTenant(tenantID, logger: logger) { connection in
                    try await outbox.emit(
                        tenantID, type: "import.progress", audience: .user(job.createdBy), payload: ImportEventPayload(job),
                        on: connection, logger: logger)
                }
            }
        }
        let finished = try await finish(job, status: .completed, error: nil, logger: logger)
        logger.info(
            "contact import completed",
            metadata: ["created": "\(finished?.created ?? 0)", "merged": "\(finished?.merged ?? 0)", "failed": "\(finished?.failed ?? 0)"])
    }

    /// One batch and its progress in one transaction, retried when a concurrent
    /// write created one of its phones first.
    private func applyWithRetry(
        _ batch: ImportBatch, _ rows: ArraySlice<ImportedContact>, resumeAt: Int, logger: Logger
    ) async throws -> ContactImport? {
        let job = batch.job
        for attempt in 1... {
            do {
                return try await database.withTenant(job.tenantID, logger: logger) { connection in
                    let outcome = try await batch.apply(rows, on: connection, logger: logger)
                    return try await store.advance(
                        job.tenantID, id: job.id, resumeAt: resumeAt, rows: rows.count, created: outcome.created,
                        merged: outcome.merged, skipped: outcome.skipped, leaseSeconds: Self.leaseSeconds, on: connection,
                        logger: logger)
                }
            } catch is ImportBatch.ConcurrentInsert where attempt < 5 {
                continue
            }
        }
        return nil
    }

    private func finish(_ job: ContactImport, status: ContactImport.Status, error: String?, logger: Logger) async throws -> ContactImport? {
        try await database.withTenant(job.tenantID, logger: logger) { connection in
            let finished = try await store.finish(job.tenantID, id: job.id, status: status, error: error, on: connection, logger: logger)
            if let finished {
                try await outbox.emit(
                    job.tenantID, type: "import.completed", audience: .user(job.createdBy), payload: ImportEventPayload(finished),
                    on: connection, logger: logger)
            }
            return finished
        }
    }

    static func parse(_ data: Data, format: ContactFileFormat, defaultCountryCode: String) throws(ContactFileError) -> ParsedContactFile {
        let sheet = try ContactFileReader.read(data, format: format)
        return try ContactFileParser.parse(sheet, defaultCountryCode: defaultCountryCode)
    }

    /// `parse` on NIO's thread pool: a 100,000-row file takes most of a second of CPU,
    /// which would otherwise hold one of Swift Concurrency's threads (two on a 2-core
    /// machine, shared by every task of the node). Throws only if the pool has shut down.
    static func parseOnThreadPool(
        _ data: Data, format: ContactFileFormat, defaultCountryCode: String
    ) async throws -> Result<ParsedContactFile, ContactFileError> {
        try await NIOThreadPool.singleton.runIfActive {
            Result { () throws(ContactFileError) in try parse(data, format: format, defaultCountryCode: defaultCountryCode) }
        }
    }
}

/// What `import.progress` and `import.completed` carry.
struct ImportEventPayload: Encodable {
    let importId: UUID
    let status: String
    let totalRows: Int
    let processedRows: Int
    let created: Int
    let merged: Int
    let skipped: Int
    let failed: Int

    init(_ job: ContactImport) {
        importId = job.id
        status = job.status.rawValue
        totalRows = job.totalRows
        processedRows = job.processedRows
        created = job.created
        merged = job.merged
        skipped = job.skipped
        failed = job.failed
    }
}
