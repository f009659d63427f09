import Foundation

/// A contact import job: `POST /v1/contacts/imports` creates it, a worker runs it,
/// `GET /v1/contacts/imports/{id}` shows its progress.
public struct ContactImport: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case queued, running, completed, failed
    }

    public let id: UUID
    public let tenantID: UUID
    public let createdBy: UUID
    public let fileName: String?
    public let format: String
    public let overwrite: Bool
    public var status: Status
    /// Data rows in the file (the header excluded).
    public var totalRows: Int
    public var processedRows: Int
    /// New contacts.
    public var created: Int
    /// Rows folded into an existing contact or an earlier row of the file.
    public var merged: Int
    /// Blank rows, and rows matching an existing contact that added nothing to it.
    public var skipped: Int
    /// Rows refused, each listed in `failures`.
    public var failed: Int
    /// The failed rows (the first 1,000), by row number.
    public var failures: [Failure]
    /// Why the whole job failed, when it did.
    public var error: String?
    public let createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?

    public struct Failure: Sendable, Equatable, Codable {
        public let row: Int
        public let reason: String
    }

    public static let maximumListedFailures = 1_000
}
