import App
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Persistence

/// `switchboard serve`: runs the HTTP server until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the API server.")

    @Option(help: "Address to listen on (overrides SWITCHBOARD_HOST).") var host: String?
    @Option(help: "Port to listen on (overrides SWITCHBOARD_PORT).") var port: Int?
    @Flag(help: "Apply pending migrations before serving.") var migrate = false

    func run() async throws {
        var overrides: [String: String] = [:]
        if let host { overrides["SWITCHBOARD_HOST"] = host }
        if let port { overrides["SWITCHBOARD_PORT"] = String(port) }
        let config = try loadConfig(overrides: overrides)
        let logger = makeLogger("switchboard", level: config.logLevel)
        if migrate {
            let migrator = try Migrator()
            let applied = try await Database.withPool(url: config.databaseURL, logger: logger) { database in
                try await migrator.migrate(on: database, logger: logger)
            }
            logger.info("migrations applied", metadata: ["count": "\(applied.count)"])
        }
        try await StartupChecks(config: config, logger: logger).run()
        try await buildServiceGroup(config: config, logger: logger).run()
    }
}

/// Reads the configuration, or exits with every problem listed.
func loadConfig(overrides: [String: String] = [:]) throws -> AppConfig {
    do {
        return try AppConfig.fromEnvironment(overrides: overrides)
    } catch let error as ConfigurationError {
        FileHandle.standardError.write(Data((error.description + "\n").utf8))
        throw ExitCode(2)
    }
}

/// DATABASE_URL alone, for the commands that need nothing else.
func loadDatabaseURL() throws -> DatabaseURL {
    guard let raw = ProcessInfo.processInfo.environment["DATABASE_URL"], let url = DatabaseURL(raw) else {
        FileHandle.standardError.write(
            Data("invalid configuration:\n  - DATABASE_URL must look like postgres://user:password@host:5432/database\n".utf8))
        throw ExitCode(2)
    }
    return url
}

func makeLogger(_ label: String, level: Logger.Level) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = level
    return logger
}
