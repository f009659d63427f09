import Accounts
import Calls
import Contacts
import Conversations
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import Payments
import Persistence
import Realtime
import ServiceLifecycle

/// Builds the whole server from its configuration: what `switchboard serve` runs and
/// what the tests start.
public func buildApplication(config: AppConfig, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    try await buildApplicationAndHub(config: config, logger: logger).application
}

/// What `switchboard serve` runs: the application, then the real-time drain, which
/// therefore stops first on SIGTERM/SIGINT and closes sockets with 1001 while the
/// server still runs.
public func buildServiceGroup(config: AppConfig, logger: Logger) async throws -> ServiceGroup {
    let (application, hub) = try await buildApplicationAndHub(config: config, logger: logger)
    return ServiceGroup(
        configuration: .init(
            services: [application, RealtimeDrain(connections: hub.connections, logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
    )
}

func buildApplicationAndHub(config: AppConfig, logger: Logger? = nil) async throws -> (
    application: some ApplicationProtocol, hub: RealtimeHub
) {
    var configuredLogger = logger ?? Logger(label: "switchboard")
    configuredLogger.logLevel = config.logLevel
    let logger = configuredLogger
    // swift-metrics binds each metric to the factory when the metric is created, so the
    // registry must be bootstrapped before the pool creates its gauges and timer.
    _ = MetricsRegistry.shared
    let database = Database(url: config.databaseURL, maximumConnections: config.databaseMaxConnections, logger: logger)
    let migrator = try Migrator()
    let hub = RealtimeHub(database: database, url: config.databaseURL, settings: config.realtime, logger: logger)
    let webSocketUpgrades = WebSocketUpgrades()
    let importWorker = ContactImportWorker(database: database, logger: logger)
    let messaging = Messaging(config: config, database: database, logger: logger)
    let payments = PaymentParts(config: config, database: database, messaging: messaging, logger: logger)
    let router = try await buildRouter(
        config: config, database: database, migrator: migrator, hub: hub, webSocketUpgrades: webSocketUpgrades,
        importWorker: importWorker, messaging: messaging, payments: payments
    )
    let application = Application(
        router: router,
        server: HTTPServerBuilder { responder in
            QuiescingUpgradeChannel(
                base: HTTP1WebSocketUpgradeChannel(
                    responder: responder,
                    configuration: .init(
                        http1: .init(),
                        ws: .init(
                            maxFrameSize: RealtimeController.maximumInboundMessage,
                            // A ping every 10 s; one unanswered for 10 s closes the socket.
                            autoPing: .enabled(timePeriod: .seconds(10))
                        )
                    ),
                    shouldUpgrade: { head, channel, _ in
                        webSocketUpgrades.shouldUpgrade(head, channel: channel)
                    }
                )
            )
        },
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "switchboard"),
        // Started in this order and stopped in reverse, after the server: sockets
        // close while the hub and the database are still there.
        services: [database, EventRetention(database: database, retention: config.eventRetention, logger: logger)]
            + hub.services
            + [
                CallDeadlineSweeper(calls: callService(config: config, database: database, hub: hub), logger: logger),
                DashboardRollupFolder(database: database, logger: logger),
                importWorker,
                messaging.sender,
                messaging.inbound,
                payments.inbound,
            ],
        logger: logger
    )
    return (application, hub)
}

/// The router with every route and middleware; `database` need not be connected yet.
func callService(config: AppConfig, database: Database, hub: RealtimeHub) -> CallService {
    CallService(
        database: database, presence: hub.presence, secrets: TenantSecretStore(box: SecretBox(masterKey: config.masterKey)),
        globalLiveKit: config.livekit
    )
}

/// The API router alone (for tools that inspect routes, like the OpenAPI check).
public func buildRouter(config: AppConfig, database: Database, migrator: Migrator) async throws -> Router<AppRequestContext> {
    let hub = RealtimeHub(database: database, url: config.databaseURL, settings: config.realtime, logger: Logger(label: "switchboard"))
    let messaging = Messaging(config: config, database: database, logger: Logger(label: "switchboard"))
    return try await buildRouter(
        config: config, database: database, migrator: migrator, hub: hub, webSocketUpgrades: WebSocketUpgrades(),
        importWorker: ContactImportWorker(database: database, logger: Logger(label: "switchboard")),
        messaging: messaging,
        payments: PaymentParts(config: config, database: database, messaging: messaging, logger: Logger(label: "switchboard"))
    )
}

func buildRouter(
    config: AppConfig, database: Database, migrator: Migrator, hub: RealtimeHub, webSocketUpgrades: WebSocketUpgrades,
    importWorker: ContactImportWorker, messaging: Messaging, payments: PaymentParts
) async throws -> Router<AppRequestContext> {
    let registry = MetricsRegistry.shared
    let hasher = PasswordHasher(cost: config.bcryptCost)
    let signer = await AccessTokenSigner(secret: config.jwtSecret)

    let router = Router(context: AppRequestContext.self)
    let routes = RouteTable()
    // Outermost first: metrics and the access log see the final status of every answer.
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: AccessLogMiddleware())
    router.add(middleware: ProblemMiddleware(routes: routes))
    router.add(middleware: NulCharacterMiddleware())

    OperationsController(database: database, migrator: migrator, registry: registry).addRoutes(to: router)

    let v1 = router.group("v1")
    let principals = PrincipalCache(database: database)
    let authenticator = AccessTokenAuthenticator(signer: signer, principals: principals)
    let users = UserAdministration(database: database, hasher: hasher)
    AuthController(
        auth: AuthService(database: database, hasher: hasher, signer: signer),
        limiter: LoginRateLimiter(limits: config.loginLimits)
    ).addRoutes(to: v1.group("auth"))
    MeController().addRoutes(to: v1.tenantRoutes("me", authenticator: authenticator, policy: .anyone))
    UsersController(users: users, principals: principals).addRoutes(
        to: v1.tenantRoutes("users", authenticator: authenticator, policy: .administrators))
    SettingsController(
        settings: TenantSettingsService(database: database, secretStore: TenantSecretStore(box: SecretBox(masterKey: config.masterKey)))
    ).addRoutes(to: v1.tenantRoutes("settings", authenticator: authenticator, policy: .administrators))
    AuditController(database: database).addRoutes(to: v1.tenantRoutes("audit", authenticator: authenticator, policy: .administrators))
    let presence = PresenceController(presence: hub.presence)
    presence.addOwnRoutes(to: v1.tenantRoutes("me/presence", authenticator: authenticator, policy: .staff))
    presence.addListRoutes(to: v1.tenantRoutes("presence", authenticator: authenticator, policy: .staff))
    let realtime = RealtimeController(admission: RealtimeAuthenticator(tokens: authenticator, hub: hub), hub: hub)
    realtime.addRoutes(to: v1.group("realtime"))
    webSocketUpgrades.serveRealtime(with: realtime)
    let calls = CallsController(calls: callService(config: config, database: database, hub: hub))
    calls.addRoutes(to: v1.tenantRoutes("calls", authenticator: authenticator, policy: .anyone))
    calls.addAgentRoutes(to: v1.tenantRoutes("agents", authenticator: authenticator, policy: .anyone))
    let contacts = ContactService(database: database)
    // Registered before the contact routes: `imports/{id}` must not be read as a contact id.
    ImportsController(imports: ContactImports(database: database, worker: importWorker))
        .addRoutes(to: v1.tenantRoutes("contacts/imports", authenticator: authenticator, policy: .staff))
    let contactRoutes = ContactsController(contacts: contacts)
    contactRoutes.addRoutes(to: v1.tenantRoutes("contacts", authenticator: authenticator, policy: .staff))
    contactRoutes.addAdministratorRoutes(to: v1.tenantRoutes("contacts", authenticator: authenticator, policy: .administrators))
    ContactWhatsAppController(conversations: messaging.conversations)
        .addRoutes(to: v1.tenantRoutes("contacts", authenticator: authenticator, policy: .staff))
    ConversationsController(conversations: messaging.conversations)
        .addRoutes(to: v1.tenantRoutes("conversations", authenticator: authenticator, policy: .anyone))
    WhatsAppWebhookController(intake: messaging.intake).addRoutes(to: v1.group("webhooks/whatsapp"))
    PaymentsController(payments: payments.payments)
        .addRoutes(to: v1.tenantRoutes("payments", authenticator: authenticator, policy: .anyone))
    let products = ProductsController(catalog: payments.catalog)
    products.addRoutes(to: v1.tenantRoutes("products", authenticator: authenticator, policy: .anyone))
    products.addAdministratorRoutes(to: v1.tenantRoutes("products", authenticator: authenticator, policy: .administrators))
    RazorpayWebhookController(intake: payments.intake).addRoutes(to: v1.group("webhooks/razorpay"))
    TagsController(contacts: contacts).addRoutes(to: v1.tenantRoutes("tags", authenticator: authenticator, policy: .staff))
    TasksController(tasks: ContactTasks(database: database))
        .addRoutes(to: v1.tenantRoutes("tasks", authenticator: authenticator, policy: .staff))
    DashboardController(dashboard: Dashboard(database: database))
        .addRoutes(to: v1.tenantRoutes("dashboard", authenticator: authenticator, policy: .staff))
    OperatorController(tenants: TenantAdministration(database: database, hasher: hasher), operatorToken: config.operatorToken)
        .addRoutes(to: v1.group("operator/tenants"))

    routes.register(router.routes.map { (path: $0.path.description, method: $0.method) })
    return router
}
