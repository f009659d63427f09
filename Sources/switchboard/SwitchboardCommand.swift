import ArgumentParser

/// The `switchboard` executable: only the command tree; the work lives in the libraries.
@main
struct SwitchboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "Multi-tenant calling, chat, WhatsApp and payments backend.",
        subcommands: [ServeCommand.self, MigrateCommand.self, TenantsCommand.self, UsersCommand.self]
    )
}
