import ArgumentParser
import Foundation
import Logging
import Persistence

/// `switchboard migrate [--dry-run]`: applies pending migrations, or with `--dry-run`
/// lists them and exits 1 when any are pending.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations.")

    @Flag(help: "Only list pending migrations; exit 1 if any are pending.") var dryRun = false
    @Option(help: "Folder of numbered .sql files (default: SWITCHBOARD_MIGRATIONS_DIR or ./migrations).") var directory: String?

    func run() async throws {
        let url = try loadDatabaseURL()
        let logger = makeLogger("switchboard.migrate", level: .error)
        let migrator = try Migrator(directory: directory)
        let dryRun = self.dryRun
        do {
            let names = try await Database.withPool(url: url, logger: logger) { database in
                dryRun
                    ? try await migrator.pending(on: database, logger: logger).map(\.name)
                    : try await migrator.migrate(on: database, logger: logger).map(\.name)
            }
            if dryRun {
                print(names.isEmpty ? "up to date" : "pending:\n" + names.map { "  \($0)" }.joined(separator: "\n"))
                if !names.isEmpty { throw ExitCode(1) }
            } else {
                print(names.isEmpty ? "up to date" : "applied:\n" + names.map { "  \($0)" }.joined(separator: "\n"))
            }
        } catch let error as PersistenceError {
            FileHandle.standardError.write(Data("migrate: \(error.description)\n".utf8))
            throw ExitCode(3)
        }
    }
}
