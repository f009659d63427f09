import Accounts
import ArgumentParser
import Foundation
import Logging
import Persistence

/// `switchboard users create`: adds a user to a tenant from the command line.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "users", abstract: "Manage users.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user. The password comes from SWITCHBOARD_NEW_USER_PASSWORD, or is generated and printed once."
        )

        @Option(help: "Tenant slug.") var tenant: String
        @Option(help: "Email address.") var email: String
        @Option(help: "Display name.") var name: String
        @Option(help: "owner, admin, agent or customer.") var role: String
        @Option(help: "Phone number.") var phone: String?

        func run() async throws {
            let url = try loadDatabaseURL()
            let logger = makeLogger("switchboard.users", level: .error)
            guard let role = Role(rawValue: role) else {
                throw ValidationError("--role must be one of owner, admin, agent, customer")
            }
            let new: NewUser
            let supplied = ProcessInfo.processInfo.environment["SWITCHBOARD_NEW_USER_PASSWORD"]
            let password = supplied ?? TenantManifestApplier.generatePassword()
            do {
                new = NewUser(
                    email: try FieldRules.email(email, pointer: "--email"), name: try FieldRules.name(name, pointer: "--name"),
                    phone: try phone.map { try FieldRules.phone($0, pointer: "--phone") }, role: role
                )
                try PasswordHasher.validate(password, pointer: "SWITCHBOARD_NEW_USER_PASSWORD")
            } catch {
                throw ValidationError(describe(error))
            }
            let hash = try await PasswordHasher(cost: bcryptCost()).hash(password)
            let slug = tenant
            let user = try await Database.withPool(url: url, logger: logger) { database in
                let tenant = try await database.withCrossTenantAccess(.commandLine, logger: logger) { connection in
                    try await TenantStore().find(slug: slug, on: connection, logger: logger)
                }
                guard let tenant else { throw ValidationError("no tenant with slug \(slug)") }
                return try await database.withTenant(tenant.id, logger: logger) { connection in
                    try await UserStore().insert(tenant.id, new, passwordHash: hash, on: connection, logger: logger)
                }
            }
            print("created \(user.role.rawValue) \(user.email) (\(user.id))")
            if supplied == nil { print("password: \(password)  (shown once)") }
        }
    }
}
