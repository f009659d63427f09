import Accounts
import Payments
import Logging
import Persistence

/// The payment parts one node runs: the service, the product catalogue, Razorpay's
/// webhook intake and the worker that applies its events.
struct PaymentParts: Sendable {
    let payments: PaymentService
    let catalog: ProductCatalog
    let inbound: RazorpayInbound
    let intake: RazorpayIntake

    init(config: AppConfig, database: Database, messaging: Messaging, logger: Logger) {
        let accounts = RazorpayAccounts(database: database, secrets: TenantSecretStore(box: SecretBox(masterKey: config.masterKey)))
        payments = PaymentService(database: database, accounts: accounts, conversations: messaging.conversations)
        catalog = ProductCatalog(database: database)
        inbound = RazorpayInbound(database: database, logger: logger)
        intake = RazorpayIntake(database: database, accounts: accounts, inbound: inbound)
    }
}
