import Foundation
import Logging
import Persistence
import PostgresNIO

/// SQL for import jobs.
struct ContactImportStore: Sendable {
    static let columns = """
        id, created_by, file_name, format, overwrite, status, total_rows, processed_rows, created_count, merged_count,
        skipped_count, failed_count, failures::text, error, created_at, started_at, finished_at
        """

    func insert(
        _ job: ContactImport, file: [UInt8], on connection: PooledConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO contact_imports (id, tenant_id, created_by, file_name, format, overwrite, status, file, total_rows,
                                         processed_rows, merged_count, skipped_count, failed_count, failures, created_at)
            VALUES (\(job.id), \(job.tenantID), \(job.createdBy), \(job.fileName), \(job.format), \(job.overwrite), 'queued',
                    \(ByteBuffer(bytes: file)), \(job.totalRows), \(job.processedRows), \(job.merged), \(job.skipped), \(job.failed),
                    \(try Self.json(job.failures))::jsonb, \(job.createdAt))
            """,
            logger: logger
        )
    }

    func find(_ tenantID: UUID, id: UUID, on connection: PooledConnection, logger: Logger) async throws -> ContactImport? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM contact_imports WHERE tenant_id = \(tenantID) AND id = \(id)", logger: logger)
        for try await row in rows.decode(
            (UUID, UUID, String?, String, Bool, String, Int, Int, Int, Int, Int, Int, String, String?, Date, Date?, Date?).self
        ) {
            let failures = (try? JSONDecoder().decode([ContactImport.Failure].self, from: Data(row.12.utf8))) ?? []
            return ContactImport(
                id: row.0, tenantID: tenantID, createdBy: row.1, fileName: row.2, format: row.3, overwrite: row.4,
                status: ContactImport.Status(rawValue: row.5) ?? .failed, totalRows: row.6, processedRows: row.7, created: row.8,
                merged: row.9, skipped: row.10, failed: row.11, failures: failures, error: row.13, createdAt: row.14,
                startedAt: row.15, finishedAt: row.16
            )
        }
        return nil
    }

    /// Takes the job for this node for `leaseSeconds` if it is queued or its last
    /// node's lease ran out; returns where to resume and the stored file.
    func claim(
        _ tenantID: UUID, id: UUID, leaseSeconds: Int, on connection: PooledConnection, logger: Logger
    ) async throws -> (resumeAt: Int, file: ByteBuffer)? {
        let rows = try await connection.query(
            """
            UPDATE contact_imports SET status = 'running', started_at = coalesce(started_at, now()),
                   lease_until = now() + make_interval(secs => \(leaseSeconds))
            WHERE tenant_id = \(tenantID) AND id = \(id) AND file IS NOT NULL
              AND (status = 'queued' OR (status = 'running' AND lease_until < now()))
            RETURNING resume_at, file
            """,
            logger: logger
        )
        for try await row in rows {
            var columns = row.makeIterator()
            let (resumeAt, file) = (try columns.column(Int.self), try columns.column(ByteBuffer.self))
            return (resumeAt, file)
        }
        return nil
    }

    /// Jobs any node may take now, across tenants (run in the imports' cross-tenant transaction).
    func claimable(on connection: PooledConnection, logger: Logger) async throws -> [(tenantID: UUID, id: UUID)] {
        let rows = try await connection.query(
            """
            SELECT tenant_id, id FROM contact_imports
            WHERE status = 'queued' OR (status = 'running' AND lease_until < now())
            ORDER BY created_at LIMIT 10
            """,
            logger: logger
        )
        var jobs: [(UUID, UUID)] = []
        for try await row in rows {
            var columns = row.makeIterator()
            let job = (try columns.column(UUID.self), try columns.column(UUID.self))
            jobs.append(job)
        }
        return jobs
    }

    /// Records a batch's counts and where the next batch starts, and extends the lease.
    func advance(
        _ tenantID: UUID, id: UUID, resumeAt: Int, rows: Int, created: Int, merged: Int, skipped: Int, leaseSeconds: Int,
        on connection: PooledConnection, logger: Logger
    ) async throws -> ContactImport? {
        try await connection.query(
            """
            UPDATE contact_imports SET resume_at = \(resumeAt), processed_rows = processed_rows + \(rows),
                   created_count = created_count + \(created), merged_count = merged_count + \(merged),
                   skipped_count = skipped_count + \(skipped), lease_until = now() + make_interval(secs => \(leaseSeconds))
            WHERE tenant_id = \(tenantID) AND id = \(id)
            """,
            logger: logger
        )
        return try await find(tenantID, id: id, on: connection, logger: logger)
    }

    /// Lets any node take the job again at once (this node is stopping).
    func release(_ tenantID: UUID, id: UUID, on connection: PooledConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE contact_imports SET lease_until = now() WHERE tenant_id = \(tenantID) AND id = \(id) AND status = 'running'",
            logger: logger)
    }

    /// Ends the job and drops its stored file.
    func finish(
        _ tenantID: UUID, id: UUID, status: ContactImport.Status, error: String?, on connection: PooledConnection, logger: Logger
    ) async throws -> ContactImport? {
        try await connection.query(
            """
            UPDATE contact_imports SET status = \(status.rawValue), error = \(error), finished_at = now(), file = NULL,
                   lease_until = NULL, processed_rows = CASE WHEN \(status.rawValue) = 'completed' THEN total_rows ELSE processed_rows END
            WHERE tenant_id = \(tenantID) AND id = \(id)
            """,
            logger: logger
        )
        return try await find(tenantID, id: id, on: connection, logger: logger)
    }

    static func json(_ failures: [ContactImport.Failure]) throws -> String {
        String(decoding: try JSONEncoder().encode(failures), as: UTF8.self)
    }
}
