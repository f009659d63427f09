import ContactFiles
import Contacts
import Foundation
import Hummingbird

/// Contact imports (staff).
///
/// - `POST /v1/contacts/imports?fileName=&overwrite=`: the body is the file itself
///   (`text/csv` or the .xlsx type; up to 32 MiB). 202 with the queued job; the file
///   is read first, so one that cannot be read is a 422 and leaves nothing behind.
/// - `GET /v1/contacts/imports/{id}`: the job's counts, progress and failed rows
///   (its creator and administrators).
struct ImportsController: Sendable {
    let imports: ContactImports
    static let maximumFileSize = 32 << 20

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.post(use: start)
        group.get("{id}", use: get)
    }

    func start(_ request: Request, context: TenantRequestContext) async throws -> EditedResponse<ImportResponse> {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.maximumFileSize {
            throw AppError.contentTooLarge(limit: Self.maximumFileSize)
        }
        let query = request.uri.queryParameters
        let fileName = query["fileName"].map(String.init)
        if let fileName, fileName.count > 255 { throw AppError.validation(pointer: "/query/fileName", "must be at most 255 characters") }
        let overwrite: Bool
        switch query["overwrite"].map(String.init) {
        case nil, "false": overwrite = false
        case "true": overwrite = true
        default: throw AppError.validation(pointer: "/query/overwrite", "must be true or false")
        }
        var request = request
        let file = Array(try await request.collectBody(upTo: Self.maximumFileSize).readableBytesView)
        guard !file.isEmpty else { throw AppError.validation(pointer: "/body", "must be the CSV or .xlsx file to import") }
        guard let format = ContactFileFormat.detect(contentType: request.headers[.contentType], fileName: fileName, data: Data(file)) else {
            throw AppError(
                .unsupportedMediaType, kind: "unsupported-file-type", title: "Unsupported file type",
                detail: "Send a CSV (text/csv) or an Excel workbook (.xlsx).")
        }
        let job = try await mapped {
            try await imports.start(file, format: format, fileName: fileName, overwrite: overwrite, by: context.contactActor, logger: context.logger)
        }
        return EditedResponse(
            status: .accepted, headers: [.location: "/v1/contacts/imports/\(job.id.uuidString)"], response: ImportResponse(job))
    }

    func get(_ request: Request, context: TenantRequestContext) async throws -> ImportResponse {
        let id = try context.pathID()
        return ImportResponse(try await mapped { try await imports.get(id, by: context.contactActor, logger: context.logger) })
    }

    func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ContactError {
            throw AppError(error)
        }
    }
}

/// An import job as the API shows it.
struct ImportResponse: ResponseEncodable, Sendable {
    let id: UUID
    let status: String
    let fileName: String?
    let format: String
    let overwrite: Bool
    let totalRows: Int
    let processedRows: Int
    /// Whole percent of rows processed.
    let progress: Int
    let created: Int
    let merged: Int
    let skipped: Int
    let failed: Int
    let failures: [ContactImport.Failure]
    let error: String?
    let createdBy: UUID
    let createdAt: Date
    let startedAt: Date?
    let finishedAt: Date?

    init(_ job: ContactImport) {
        id = job.id
        status = job.status.rawValue
        fileName = job.fileName
        format = job.format
        overwrite = job.overwrite
        totalRows = job.totalRows
        processedRows = job.processedRows
        progress = job.totalRows == 0 ? 100 : min(100, job.processedRows * 100 / job.totalRows)
        created = job.created
        merged = job.merged
        skipped = job.skipped
        failed = job.failed
        failures = job.failures
        error = job.error
        createdBy = job.createdBy
        createdAt = job.createdAt
        startedAt = job.startedAt
        finishedAt = job.finishedAt
    }
}
