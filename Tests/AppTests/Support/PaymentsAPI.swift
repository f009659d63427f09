import Accounts
import App
import Foundation
import Logging
import NIOHTTP1
import Persistence
import PostgresNIO
import Realtime
import Testing

/// The payments API as the payment tests drive it: the real application over real
/// sockets (`CallAPI`), the Razorpay stand-in as the tenant's Razorpay, tenants
/// seeded with one user per role, signed webhooks, and waits for `payment.*` events.
struct PaymentsAPI: Sendable {
    let app: TestApp
    let http: CallAPI
    let razorpay: RazorpayStandIn

    typealias Person = CallsTests.Person

    /// A tenant with an owner, an admin, two agents and two customers, its Razorpay
    /// pointed at the stand-in.
    struct Tenant: Sendable {
        let slug: String
        let id: UUID
        let owner: Person
        let admin: Person
        let agent: Person
        let otherAgent: Person
        let customer: Person
        let otherCustomer: Person
        /// `/v1/webhooks/razorpay/<key>`.
        let webhookPath: String
        let webhookSecret: String
    }

    static let logger: Logger = {
        var logger = Logger(label: "payments-tests")
        logger.logLevel = .error
        return logger
    }()

    /// Runs `body` against the real application and a fresh Razorpay stand-in.
    static func run(_ body: @escaping @Sendable (PaymentsAPI) async throws -> Void) async throws {
        do {
            try await RazorpayStandIn().run { standIn in
                try await TestApp.run { app in
                    let port = try #require(app.client.port)
                    try await body(PaymentsAPI(app: app, http: CallAPI(base: "http://127.0.0.1:\(port)"), razorpay: standIn))
                }
            }
        } catch let error as PSQLError {
            Issue.record("database error: \(String(reflecting: error))")
            throw error
        }
    }

    var base: String { http.base }

    // MARK: tenants

    /// Seeds the tenant and, unless `configure` is false, sets its Razorpay keys to the stand-in's.
    func seed(_ slug: String, configure: Bool = true, webhookSecret: String? = nil) async throws -> Tenant {
        let rows: [(String, String, Role)] = [
            ("owner@\(slug).test", "Owner \(slug.capitalized)", .owner),
            ("admin@\(slug).test", "Admin \(slug.capitalized)", .admin),
            ("agent1@\(slug).test", "Agent One \(slug.capitalized)", .agent),
            ("agent2@\(slug).test", "Agent Two \(slug.capitalized)", .agent),
            ("customer1@\(slug).test", "Customer One \(slug.capitalized)", .customer),
            ("customer2@\(slug).test", "Customer Two \(slug.capitalized)", .customer),
        ]
        let manifest = try TenantManifest.parse(
            yaml: "slug: \(slug)\nname: \(slug.capitalized) Inc\nusers:\n"
                + rows.map { "  - {email: \($0.0), name: \($0.1), role: \($0.2.rawValue), passwordEnv: SEED_PASSWORD}" }
                .joined(separator: "\n"))
        let applied = try await TenantManifestApplier(database: app.database, hasher: PasswordHasher(cost: 4))
            .apply(manifest, environment: ["SEED_PASSWORD": SeededTenant.password], logger: Self.logger)
        let tenantID = applied.tenant.id
        let ids = try await app.database.withTenant(tenantID, logger: Self.logger) { connection in
            var ids: [String: UUID] = [:]
            let query = try await connection.query("SELECT id, email FROM users WHERE tenant_id = \(tenantID)", logger: Self.logger)
            for try await (id, email) in query.decode((UUID, String).self) { ids[email] = id }
            return ids
        }
        let people = try rows.map { Person(id: try #require(ids[$0.0]), email: $0.0, name: $0.1) }
        let secret = webhookSecret ?? "whsec_\(slug)_\(UUID().uuidString.prefix(8))"
        var path = ""
        if configure {
            let ownerToken = try await http.login(Self.placeholder(slug, id: tenantID), people[0])
            let patched = try await send(
                .PATCH, "/v1/settings", token: ownerToken,
                json: ContactsAPI.json([
                    "integrations": [
                        "razorpay": [
                            "keyId": razorpay.keyID, "keySecret": razorpay.keySecret, "webhookSecret": secret, "baseUrl": razorpay.baseURL,
                        ]
                    ]
                ]))
            try #require(patched.status == 200, "PATCH /v1/settings: \(patched.status) \(patched.body)")
            let settings = try await send(.GET, "/v1/settings", token: ownerToken)
            let razorpaySettings = (settings.json["integrations"] as? [String: Any])?["razorpay"] as? [String: Any]
            path = try #require(razorpaySettings?["webhookPath"] as? String, "no webhookPath: \(settings.body)")
        }
        return Tenant(
            slug: slug, id: tenantID, owner: people[0], admin: people[1], agent: people[2], otherAgent: people[3], customer: people[4],
            otherCustomer: people[5], webhookPath: path, webhookSecret: secret)
    }

    private static func placeholder(_ slug: String, id: UUID) -> CallsTests.CallTenant {
        CallsTests.CallTenant(slug: slug, id: id, owner: Person(id: id, email: "", name: ""), agents: [], customers: [])
    }

    func login(_ tenant: Tenant, _ person: Person) async throws -> String {
        try await http.login(Self.placeholder(tenant.slug, id: tenant.id), person)
    }

    @discardableResult
    func send(
        _ method: HTTPMethod, _ path: String, token: String? = nil, json: String? = nil, headers: [(String, String)] = []
    ) async throws -> CallAPI.Reply {
        try await http.send(method, path, token: token, json: json, headers: headers)
    }

    /// Creates a contact (as `token`, staff) and returns its id.
    func contact(
        _ token: String, name: String, owner: UUID? = nil, customer: UUID? = nil, sourceLocation: SourceLocation = #_sourceLocation
    )
        async throws -> String
    {
        var fields: [String: Any] = ["name": name, "phone": "+9198\(Int.random(in: 10_000_000...99_999_999))"]
        if let owner { fields["ownerId"] = owner.uuidString }
        if let customer { fields["customerUserId"] = customer.uuidString }
        let reply = try await send(.POST, "/v1/contacts", token: token, json: ContactsAPI.json(fields))
        try #require(reply.status == 201, "POST /v1/contacts: \(reply.status) \(reply.body)", sourceLocation: sourceLocation)
        return try #require(reply.json["id"] as? String, sourceLocation: sourceLocation)
    }

    // MARK: payments

    /// `POST /v1/payments/orders` with `json` and an Idempotency-Key (a fresh one unless given).
    func order(_ token: String, _ json: String, key: String? = UUID().uuidString) async throws -> CallAPI.Reply {
        try await send(.POST, "/v1/payments/orders", token: token, json: json, headers: key.map { [("Idempotency-Key", $0)] } ?? [])
    }

    /// An order for `amount` to `contactID`; expects 201 and returns the payment (with `checkout` beside it).
    func createOrder(
        _ token: String, contact contactID: String, amount: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (payment: [String: Any], checkout: [String: Any]) {
        let reply = try await order(token, #"{"contactId":"\#(contactID)","amount":\#(amount)}"#)
        try #require(reply.status == 201, "POST /v1/payments/orders: \(reply.status) \(reply.body)", sourceLocation: sourceLocation)
        let payment = try #require(reply.json["payment"] as? [String: Any], sourceLocation: sourceLocation)
        let checkout = try #require(reply.json["checkout"] as? [String: Any], sourceLocation: sourceLocation)
        return (payment, checkout)
    }

    func payment(_ token: String, _ id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let reply = try await send(.GET, "/v1/payments/\(id)", token: token)
        try #require(reply.status == 200, "GET /v1/payments/\(id): \(reply.status) \(reply.body)", sourceLocation: sourceLocation)
        return reply.json
    }

    /// Polls `GET /v1/payments/{id}` until `condition` holds (webhooks are applied by a worker).
    @discardableResult
    func waitFor(
        _ token: String, _ id: String, _ what: String, timeout: Duration = .seconds(15), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            last = try await payment(token, id, sourceLocation: sourceLocation)
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what): \(last)", sourceLocation: sourceLocation)
        throw TestSetupError("timed out waiting until \(what)")
    }

    func waitForStatus(_ token: String, _ id: String, _ status: String, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> [String: Any]
    {
        try await waitFor(token, id, "payment \(id) is \(status)", sourceLocation: sourceLocation) { $0["status"] as? String == status }
    }

    /// The ids `GET /v1/payments` lists with `query` (one page of up to 200).
    func listIDs(_ token: String, _ query: String = "", sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        let reply = try await send(.GET, "/v1/payments?limit=200" + (query.isEmpty ? "" : "&" + query), token: token)
        try #require(reply.status == 200, "GET /v1/payments?\(query): \(reply.status) \(reply.body)", sourceLocation: sourceLocation)
        return ContactsAPI.ids((reply.json["items"] as? [[String: Any]]) ?? [])
    }

    /// An order for `amount`, captured in the stand-in and by a signed `payment.captured`;
    /// answers our payment id, Razorpay's payment id and the order id once the payment is captured.
    func capturedPayment(
        _ tenant: Tenant, token: String, contact contactID: String, amount: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (id: String, razorpayPaymentID: String, orderID: String) {
        let (payment, checkout) = try await createOrder(token, contact: contactID, amount: amount, sourceLocation: sourceLocation)
        let id = try #require(payment["id"] as? String, sourceLocation: sourceLocation)
        let orderID = try #require(checkout["order_id"] as? String, sourceLocation: sourceLocation)
        let paymentID = RazorpayStandIn.newID("pay_")
        razorpay.capture(paymentID: paymentID, orderID: orderID, amount: amount)
        let status = try await deliver(
            tenant,
            RazorpayStandIn.paymentEvent("payment.captured", paymentID: paymentID, orderID: orderID, amount: amount, status: "captured"))
        try #require(status == 200, sourceLocation: sourceLocation)
        try await waitForStatus(token, id, "captured", sourceLocation: sourceLocation)
        return (id, paymentID, orderID)
    }

    // MARK: webhooks

    /// Posts `body` to the tenant's webhook signed with `secret` (default: the tenant's); answers the status.
    func deliver(
        _ tenant: Tenant, _ body: [UInt8], secret: String? = nil, eventID: String = "evt_" + UUID().uuidString.prefix(14),
        signature: String? = nil, path: String? = nil
    ) async throws -> Int {
        try await razorpay.postWebhook(
            to: base + (path ?? tenant.webhookPath), secret: secret ?? tenant.webhookSecret, body: body, eventID: eventID,
            signature: signature
        ).status
    }

    /// Rows of `table` in the tenant matching `condition` (SQL), read as the tenant.
    func count(_ table: String, in tenantID: UUID, where condition: String = "true") async throws -> Int {
        try await app.database.withTenant(tenantID, logger: Self.logger) { connection in
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table) WHERE tenant_id = '\(tenantID.uuidString)' AND (\(condition))"),
                logger: Self.logger)
            for try await value in rows.decode(Int64.self) { return Int(value) }
            return 0
        }
    }

    /// Waits until every stored Razorpay delivery of the tenant has been applied.
    func settleDeliveries(_ tenantID: UUID, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if try await count("razorpay_deliveries", in: tenantID, where: "processed_at IS NULL") == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("Razorpay deliveries were never all processed", sourceLocation: sourceLocation)
    }

    // MARK: events

    /// A WebSocket client of `person`, registered with the hub before this returns.
    func listen(_ tenant: Tenant, _ person: Person, token: String) async throws -> RealtimeSubscription {
        let subscription = try await RealtimeClient.connect(.webSocket, baseURL: base, token: token)
        _ = try await RealtimeAccessTests.sync(app, tenant.id, audience: .user(person.id), [subscription])
        return subscription
    }

    /// Waits until every event emitted so far to `person` has reached `live`.
    func settle(_ tenant: Tenant, _ person: Person, _ live: RealtimeSubscription) async throws {
        _ = try await RealtimeAccessTests.sync(app, tenant.id, audience: .user(person.id), [live])
    }

    static func events(_ live: RealtimeSubscription, _ type: String, payment id: String) -> [[String: Any]] {
        live.events.filter { $0.type == type && ($0.object["payment"] as? [String: Any])?["id"] as? String == id }.map(\.object)
    }

    /// The first `type` event about payment `id`, waiting for it; nil on timeout.
    static func event(_ live: RealtimeSubscription, _ type: String, payment id: String, timeout: Duration = .seconds(15)) async
        -> [String: Any]?
    {
        _ = await live.recorder.wait(timeout: timeout) { _ in !events(live, type, payment: id).isEmpty }
        return events(live, type, payment: id).first
    }

    /// The `payment` entries on the contact's timeline, newest first.
    func paymentTimeline(_ token: String, contact contactID: String, payment id: String? = nil) async throws -> [[String: Any]] {
        let reply = try await send(.GET, "/v1/contacts/\(contactID)/timeline?limit=200", token: token)
        try #require(reply.status == 200, "timeline: \(reply.status) \(reply.body)")
        let entries = ((reply.json["items"] as? [[String: Any]]) ?? []).filter { $0["kind"] as? String == "payment" }
        guard let id else { return entries }
        return entries.filter { ($0["data"] as? [String: Any])?["paymentId"] as? String == id }
    }

    static func isNull(_ value: Any?) -> Bool { value == nil || value is NSNull }
}
