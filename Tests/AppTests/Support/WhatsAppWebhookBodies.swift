import Crypto
import Foundation
import Logging
import Persistence
import PostgresNIO
import Testing

/// WhatsApp Cloud API webhook bodies exactly as PROVIDERS.md §1.4 shows them, their
/// `X-Hub-Signature-256`, and the tenant set-up the WhatsApp tests share. Written
/// here, apart from the Graph stand-in, so the tests check the server against the
/// documented wire format rather than against the stand-in's reading of it.
enum WhatsAppWebhookBodies {
    static let wabaID = "102290129340398"

    /// `sha256=` and the lowercase hex HMAC-SHA256 of `body` keyed by `appSecret`.
    static func signature(_ body: String, appSecret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(appSecret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Unix seconds as the string WhatsApp sends.
    static func timestamp(_ date: Date = Date()) -> String { String(Int(date.timeIntervalSince1970)) }

    static func envelope(phoneNumberID: String, value: String) -> String {
        #"{"object":"whatsapp_business_account","entry":[{"id":"\#(wabaID)","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"\#(phoneNumberID)"},\#(value)}}]}]}"#
    }

    /// An inbound text message from `from` (digits, no `+`).
    static func text(
        phoneNumberID: String, from: String, name: String? = "Asha", wamid: String, body: String, at: Date = Date()
    ) -> String {
        let contacts = name.map { #""contacts":[{"profile":{"name":\#(quoted($0))},"wa_id":"\#(from)"}],"# } ?? ""
        return envelope(
            phoneNumberID: phoneNumberID,
            value: contacts
                + #""messages":[{"from":"\#(from)","id":"\#(wamid)","timestamp":"\#(timestamp(at))","type":"text","text":{"body":\#(quoted(body))}}]"#
        )
    }

    /// A status update for a message we sent.
    static func status(
        phoneNumberID: String, wamid: String, status: String, recipient: String, at: Date, errorCode: Int? = nil,
        errorTitle: String = "Re-engagement message"
    ) -> String {
        var fields = #""id":"\#(wamid)","status":"\#(status)","timestamp":"\#(timestamp(at))","recipient_id":"\#(recipient)""#
        if status == "sent" {
            fields +=
                #","conversation":{"id":"a75d17c0ffee","expiration_timestamp":"\#(timestamp(at.addingTimeInterval(86400)))","origin":{"type":"service"}},"pricing":{"billable":true,"pricing_model":"CBP","category":"service"}"#
        }
        if let errorCode {
            fields +=
                #","errors":[{"code":\#(errorCode),"title":\#(quoted(errorTitle)),"message":\#(quoted(errorTitle)),"error_data":{"details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"href":"https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]"#
        }
        return envelope(phoneNumberID: phoneNumberID, value: #""statuses":[{\#(fields)}]"#)
    }

    static func quoted(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
    }
}

/// One tenant's WhatsApp number as the tests configure it.
struct WhatsAppNumber: Sendable {
    let phoneNumberID: String
    let accessToken: String
    let appSecret: String
    let verifyToken: String
    /// `/v1/webhooks/whatsapp/<key>`, as `GET /v1/settings` shows it.
    let webhookPath: String
}

extension InboxAPI {
    /// Sets the tenant's WhatsApp credentials through `PATCH /v1/settings` (the Graph
    /// API at `baseURL`), and reads back its webhook path.
    func configureWhatsApp(
        _ tenant: Tenant, ownerToken: String, baseURL: String, phoneNumberID: String = "106540352242922",
        appSecret: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> WhatsAppNumber {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let number = (
            phoneNumberID: phoneNumberID, accessToken: "EAAG-token-\(tenant.slug)-\(suffix)",
            appSecret: appSecret ?? "app-secret-\(tenant.slug)-\(suffix)",
            verifyToken: "verify-\(tenant.slug)-\(suffix)"
        )
        let patch = ContactsAPI.json([
            "integrations": [
                "whatsapp": [
                    "phoneNumberId": number.phoneNumberID, "accessToken": number.accessToken, "appSecret": number.appSecret,
                    "verifyToken": number.verifyToken, "apiVersion": "v21.0", "baseUrl": baseURL,
                ]
            ]
        ])
        let patched = try await send(.PATCH, "/v1/settings", token: ownerToken, json: patch)
        try #require(patched.status == 200, "PATCH /v1/settings: \(patched.status) \(patched.body)", sourceLocation: sourceLocation)
        let settings = try await send(.GET, "/v1/settings", token: ownerToken)
        let whatsapp = ((settings.json["integrations"] as? [String: Any])?["whatsapp"] as? [String: Any]) ?? [:]
        let path = try #require(whatsapp["webhookPath"] as? String, "no webhookPath: \(settings.body)", sourceLocation: sourceLocation)
        #expect(
            path.range(of: "^/v1/webhooks/whatsapp/[0-9a-f]{64}$", options: .regularExpression) != nil, "webhookPath \(path)",
            sourceLocation: sourceLocation)
        #expect(whatsapp["baseUrl"] as? String == baseURL, sourceLocation: sourceLocation)
        #expect(whatsapp["phoneNumberId"] as? String == phoneNumberID, sourceLocation: sourceLocation)
        return WhatsAppNumber(
            phoneNumberID: number.phoneNumberID, accessToken: number.accessToken, appSecret: number.appSecret,
            verifyToken: number.verifyToken, webhookPath: path)
    }

    /// Posts `body` to the webhook, signed with `appSecret` (or with `signature` as given; nil sends none).
    @discardableResult
    func deliver(_ body: String, to path: String, appSecret: String) async throws -> CallAPI.Reply {
        try await deliver(body, to: path, signature: WhatsAppWebhookBodies.signature(body, appSecret: appSecret))
    }

    @discardableResult
    func deliver(_ body: String, to path: String, signature: String?) async throws -> CallAPI.Reply {
        try await send(
            .POST, path, json: body, headers: signature.map { [("X-Hub-Signature-256", $0)] } ?? [])
    }

    /// Rows of `table` in `tenant` (through row-level security, as the tenant).
    func count(_ table: String, in tenant: Tenant, where condition: String = "true") async throws -> Int {
        try await app.database.withTenant(tenant.id, logger: Self.logger) { connection in
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL: "SELECT count(*)::int8 FROM \(table) WHERE tenant_id = $1 AND \(condition)",
                    binds: {
                        var binds = PostgresBindings()
                        binds.append(tenant.id)
                        return binds
                    }()), logger: Self.logger)
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    /// Polls `condition` until it holds (up to `timeout`).
    func eventually(
        _ what: String, timeout: Duration = .seconds(15), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        if try await condition() { return }
        Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
        throw TestSetupError("timed out waiting until \(what)")
    }

    /// The tenant's one contact with `phone`, as staff see it, or nil.
    func contact(phone: String, token: String) async throws -> [String: Any]? {
        let reply = try await send(.GET, "/v1/contacts" + ContactsAPI.query([("q", phone)]), token: token)
        return ((reply.json["items"] as? [[String: Any]]) ?? []).first { $0["phone"] as? String == phone }
    }
}
