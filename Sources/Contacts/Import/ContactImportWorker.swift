import ContactFiles
import Foundation
import Logging
import Persistence
import ServiceLifecycle

/// Runs contact imports on this node: those uploaded here at once, and, every few
/// seconds, any queued job or one whose node stopped renewing its lease.
public struct ContactImportWorker: Service {
    private let importer: ContactImporter
    private let logger: Logger
    private let stream: AsyncStream<Job?>
    private let continuation: AsyncStream<Job?>.Continuation
    static let pollInterval = Duration.seconds(5)

    struct Job: Sendable {
        let tenantID: UUID
        let id: UUID
        let parsed: ParsedContactFile?
    }

    public init(database: Database, logger: Logger) {
        importer = ContactImporter(database: database)
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: Job?.self)
    }

    /// Hands a just-uploaded job to this node's worker.
    func submit(_ tenantID: UUID, id: UUID, parsed: ParsedContactFile) {
        continuation.yield(Job(tenantID: tenantID, id: id, parsed: parsed))
    }

    public func run() async throws {
        let ticker = Task { [continuation] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.pollInterval)
                continuation.yield(nil)
            }
        }
        defer { ticker.cancel() }
        await withGracefulShutdownHandler {
            for await job in stream {
                if let job {
                    await run(job)
                } else {
                    await runClaimable()
                }
            }
        } onGracefulShutdown: { [continuation] in
            continuation.finish()
        }
    }

    private func runClaimable() async {
        do {
            let jobs = try await importer.database.withCrossTenantAccess(.contactImports, logger: logger) { connection in
                try await importer.store.claimable(on: connection, logger: logger)
            }
            for job in jobs where !Task.isShuttingDownGracefully {
                await run(Job(tenantID: job.tenantID, id: job.id, parsed: nil))
            }
        } catch {
            logger.warning("could not look for contact imports", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    private func run(_ job: Job) async {
        do {
            try await importer.run(job.tenantID, id: job.id, parsed: job.parsed, logger: logger)
        } catch {
            // The lease runs out and a node takes the job again from its last batch.
            logger.error("contact import stopped", metadata: ["import_id": "\(job.id)", "error": "\(String(reflecting: error))"])
        }
    }
}
