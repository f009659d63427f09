/// Why a transaction needs to see more than one tenant's rows.
///
/// Cross-tenant access is the single, explicit exception to tenant scoping: each use
/// names one of these purposes, which is logged, so every such path can be found by
/// searching for the case name. RLS stays on; the policies admit these transactions
/// through the transaction-local `switchboard.cross_tenant` setting.
public enum CrossTenantPurpose: String, Sendable {
    /// Login names a tenant by slug before any tenant is known.
    case resolveTenantForLogin = "resolve-tenant-for-login"
    /// The platform operator lists, creates and suspends tenants.
    case operatorAdministration = "operator-administration"
    /// `switchboard tenants apply` creates or updates a tenant from a manifest.
    case tenantManifest = "tenant-manifest"
    /// Command-line user administration names a tenant by slug.
    case commandLine = "command-line"
    /// A node reads every tenant's new events to deliver each inside its own tenant.
    case eventFanOut = "event-fan-out"
    /// The retention sweeper deletes old events of every tenant.
    case eventRetention = "event-retention"
    /// A node re-checks the sessions behind its live connections, closing revoked ones.
    case connectionRevalidation = "connection-revalidation"
    /// A node forgets the live connections of nodes that stopped heartbeating.
    case presenceSweep = "presence-sweep"
    /// Any node times out ringing calls and ends agents' wrap-up, in every tenant.
    case callDeadlines = "call-deadlines"
    /// Any node picks up contact imports that are queued or whose node died.
    case contactImports = "contact-imports"
    /// A provider webhook names its tenant only by the unguessable key in its URL.
    case webhookKey = "webhook-key"
    /// A node stores verified webhook deliveries of several tenants in one transaction
    /// (each row names the tenant its verified key belongs to).
    case webhookIntake = "webhook-intake"
    /// Any node processes stored WhatsApp deliveries that are still pending.
    case whatsappDeliveries = "whatsapp-deliveries"
    /// Any node sends queued WhatsApp messages that are due.
    case whatsappSends = "whatsapp-sends"
    /// Any node applies stored Razorpay webhook events that are still pending.
    case razorpayDeliveries = "razorpay-deliveries"
    /// Any node folds the dashboard rollups' pending rows of every tenant into their totals.
    case dashboardRollups = "dashboard-rollups"
}
