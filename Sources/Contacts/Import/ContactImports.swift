import Accounts
import ContactFiles
import Foundation
import Logging
import Persistence

/// Starting an import and reading its progress.
public struct ContactImports: Sendable {
    let database: Database
    let worker: ContactImportWorker
    let store = ContactImportStore()
    let tenants = TenantStore()

    public init(database: Database, worker: ContactImportWorker) {
        self.database = database
        self.worker = worker
    }

    /// Reads the whole file first: a file that cannot be read is refused with
    /// `unreadableFile` and nothing is stored. A readable one becomes a queued job
    /// (its bad rows already counted) that this node's worker starts at once.
    public func start(
        _ file: [UInt8], format: ContactFileFormat, fileName: String?, overwrite: Bool, by actor: ContactActor, logger: Logger
    ) async throws -> ContactImport {
        let settings = try await database.withTenant(actor.tenantID, logger: logger) { connection in
            try await tenants.find(id: actor.tenantID, on: connection, logger: logger)?.settings ?? TenantSettings()
        }
        let parsed: ParsedContactFile
        switch try await ContactImporter.parseOnThreadPool(Data(file), format: format, defaultCountryCode: settings.defaultCountryCode) {
        case .success(let parsedFile): parsed = parsedFile
        case .failure(let error): throw ContactError.unreadableFile(error.reason)
        }
        let failures = parsed.problems.prefix(ContactImport.maximumListedFailures).map {
            ContactImport.Failure(row: $0.rowNumber, reason: $0.reason)
        }
        let job = ContactImport(
            id: UUID.timeOrdered(), tenantID: actor.tenantID, createdBy: actor.userID, fileName: fileName, format: format.rawValue,
            overwrite: overwrite, status: .queued, totalRows: parsed.totalRows,
            processedRows: parsed.blankRows + parsed.problems.count + parsed.mergedWithinFile, created: 0,
            merged: parsed.mergedWithinFile, skipped: parsed.blankRows, failed: parsed.problems.count, failures: Array(failures),
            error: nil, createdAt: Date(), startedAt: nil, finishedAt: nil
        )
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            try await store.insert(job, file: file, on: connection, logger: logger)
        }
        worker.submit(actor.tenantID, id: job.id, parsed: parsed)
        return job
    }

    /// The job, for the user who started it or an administrator.
    public func get(_ id: UUID, by actor: ContactActor, logger: Logger) async throws -> ContactImport {
        let job = try await database.withTenant(actor.tenantID, logger: logger) { connection in
            try await store.find(actor.tenantID, id: id, on: connection, logger: logger)
        }
        guard let job, job.createdBy == actor.userID || actor.isAdministrator else { throw ContactError.importNotFound }
        return job
    }
}
