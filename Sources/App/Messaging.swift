import Accounts
import Conversations
import Logging
import Persistence

/// The conversation parts one node runs: the inbox service, WhatsApp's webhook
/// intake and its processor, and the send queue's sender.
struct Messaging: Sendable {
    let conversations: ConversationService
    let sender: WhatsAppSender
    let inbound: WhatsAppInbound
    let intake: WhatsAppIntake

    init(config: AppConfig, database: Database, logger: Logger) {
        let accounts = WhatsAppAccounts(database: database, secrets: TenantSecretStore(box: SecretBox(masterKey: config.masterKey)))
        sender = WhatsAppSender(database: database, accounts: accounts, logger: logger)
        conversations = ConversationService(database: database, whatsapp: accounts, sender: sender)
        inbound = WhatsAppInbound(database: database, service: conversations, logger: logger)
        intake = WhatsAppIntake(database: database, accounts: accounts, inbound: inbound)
    }
}
