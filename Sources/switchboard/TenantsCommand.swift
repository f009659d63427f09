import Accounts
import ArgumentParser
import Foundation
import Logging
import Persistence

/// `switchboard tenants apply FILE`: creates or updates a tenant from a manifest.
struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants", abstract: "Manage tenants from manifests.", subcommands: [Apply.self]
    )

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or update a tenant and its users from a YAML manifest.")

        @Argument(help: "Path to the manifest, e.g. tenants/demo.yaml.") var file: String

        func run() async throws {
            let url = try loadDatabaseURL()
            let logger = makeLogger("switchboard.tenants", level: .error)
            guard let yaml = try? String(contentsOfFile: file, encoding: .utf8) else {
                FileHandle.standardError.write(Data("tenants apply: cannot read \(file)\n".utf8))
                throw ExitCode(2)
            }
            let manifest: TenantManifest
            do {
                manifest = try TenantManifest.parse(yaml: yaml)
            } catch {
                FileHandle.standardError.write(Data("tenants apply: \(file): \(describe(error))\n".utf8))
                throw ExitCode(2)
            }
            let hasher = PasswordHasher(cost: bcryptCost())
            let environment = ProcessInfo.processInfo.environment
            let result = try await Database.withPool(url: url, logger: logger) { database in
                try await TenantManifestApplier(database: database, hasher: hasher).apply(
                    manifest, environment: environment, logger: logger)
            }
            print("tenant \(result.tenant.slug) (\(result.tenant.id)) applied")
            for user in result.users {
                let password = user.generatedPassword.map { "  password: \($0)  (shown once)" } ?? ""
                print("  \(user.created ? "created" : "updated") \(user.role.rawValue) \(user.email)\(password)")
            }
        }
    }
}

func bcryptCost() -> UInt8 {
    ProcessInfo.processInfo.environment["SWITCHBOARD_BCRYPT_COST"].flatMap(UInt8.init).map { min(max($0, 4), 31) } ?? 12
}

func describe(_ error: any Error) -> String {
    if case AccountsError.invalid(let pointer, let reason) = error { return "\(pointer) \(reason)" }
    return "\(error)"
}
