import Accounts
import Foundation

/// `PATCH /v1/settings` body. Absent fields stay; a secret set to "" is removed.
struct UpdateSettingsRequest: Decodable {
    struct WhatsApp: Decodable {
        let phoneNumberId: String?
        let businessAccountId: String?
        let apiVersion: String?
        let baseUrl: String?
        let accessToken: String?
        let appSecret: String?
        let verifyToken: String?
    }

    struct Razorpay: Decodable {
        let keyId: String?
        let baseUrl: String?
        let keySecret: String?
        let webhookSecret: String?
    }

    struct LiveKit: Decodable {
        let url: String?
        let apiKey: String?
        let apiSecret: String?
    }

    struct Integrations: Decodable {
        let whatsapp: WhatsApp?
        let razorpay: Razorpay?
        let livekit: LiveKit?
    }

    struct Calls: Decodable {
        let defaultStrategy: String?
        let ringTimeoutSeconds: Int?
        let wrapUpSeconds: Int?
    }

    struct Contacts: Decodable {
        let autoAssign: Bool?
        let agentsSeeOnlyOwn: Bool?
    }

    let name: String?
    let defaultCountryCode: String?
    let timezone: String?
    let integrations: Integrations?
    let calls: Calls?
    let contacts: Contacts?

    func validated() throws -> TenantSettingsChanges {
        var validator = FieldValidator()
        var fields: [String] = []
        var secrets: [TenantSecretName: String] = [:]

        let name = self.name.flatMap { name in validator.check { try FieldRules.name(name, pointer: "/name") } }
        if self.name != nil { fields.append("name") }
        let code = defaultCountryCode.flatMap { code in validator.check { try FieldRules.countryCode(code, pointer: "/defaultCountryCode") }
        }
        if defaultCountryCode != nil { fields.append("defaultCountryCode") }
        let zone = timezone.flatMap { zone in validator.check { try FieldRules.timezone(zone, pointer: "/timezone") } }
        if timezone != nil { fields.append("timezone") }

        func identifier(_ value: String?, _ pointer: String) {
            guard let value else { return }
            fields.append(String(pointer.dropFirst()).replacingOccurrences(of: "/", with: "."))
            if value.count > 200 || value.contains(where: { $0.isWhitespace }) {
                validator.fail(pointer, "must be at most 200 characters without spaces")
            }
        }
        func secret(_ value: String?, _ name: TenantSecretName, _ pointer: String) {
            guard let value else { return }
            fields.append("secrets.\(name.rawValue)")
            if value.count > 4096 || value.contains(where: { $0.isNewline }) {
                validator.fail(pointer, "must be at most 4096 characters on one line")
            } else {
                secrets[name] = value
            }
        }

        let whatsapp = integrations?.whatsapp
        identifier(whatsapp?.phoneNumberId, "/integrations/whatsapp/phoneNumberId")
        identifier(whatsapp?.businessAccountId, "/integrations/whatsapp/businessAccountId")
        if let version = whatsapp?.apiVersion {
            fields.append("integrations.whatsapp.apiVersion")
            if !version.isEmpty, version.range(of: #"^v[0-9]{1,3}\.[0-9]{1,3}$"#, options: .regularExpression) == nil {
                validator.fail("/integrations/whatsapp/apiVersion", "must be a Graph API version such as v21.0")
            }
        }
        func apiURL(_ value: String?, _ pointer: String, example: String) {
            guard let url = value else { return }
            fields.append(String(pointer.dropFirst()).replacingOccurrences(of: "/", with: "."))
            let parsed = URL(string: url)
            if !url.isEmpty,
                url.count > 500 || !["https", "http"].contains(parsed?.scheme ?? "") || parsed?.host == nil || parsed?.query != nil
            {
                validator.fail(pointer, "must be an http(s):// URL such as \(example)")
            }
        }
        apiURL(whatsapp?.baseUrl, "/integrations/whatsapp/baseUrl", example: "https://graph.facebook.com")
        secret(whatsapp?.accessToken, .whatsappAccessToken, "/integrations/whatsapp/accessToken")
        secret(whatsapp?.appSecret, .whatsappAppSecret, "/integrations/whatsapp/appSecret")
        secret(whatsapp?.verifyToken, .whatsappVerifyToken, "/integrations/whatsapp/verifyToken")
        let razorpay = integrations?.razorpay
        identifier(razorpay?.keyId, "/integrations/razorpay/keyId")
        apiURL(razorpay?.baseUrl, "/integrations/razorpay/baseUrl", example: "https://api.razorpay.com/v1")
        secret(razorpay?.keySecret, .razorpayKeySecret, "/integrations/razorpay/keySecret")
        secret(razorpay?.webhookSecret, .razorpayWebhookSecret, "/integrations/razorpay/webhookSecret")
        let livekit = integrations?.livekit
        if let url = livekit?.url {
            fields.append("integrations.livekit.url")
            let parsed = URL(string: url)
            if !url.isEmpty, url.count > 500 || !["wss", "ws", "https", "http"].contains(parsed?.scheme ?? "") || parsed?.host == nil {
                validator.fail("/integrations/livekit/url", "must be a ws(s):// or http(s):// URL")
            }
        }
        identifier(livekit?.apiKey, "/integrations/livekit/apiKey")
        secret(livekit?.apiSecret, .livekitApiSecret, "/integrations/livekit/apiSecret")

        if let strategy = calls?.defaultStrategy {
            fields.append("calls.defaultStrategy")
            if !["ring-all", "round-robin"].contains(strategy) {
                validator.fail("/calls/defaultStrategy", "must be ring-all or round-robin")
            }
        }
        if let seconds = calls?.ringTimeoutSeconds {
            fields.append("calls.ringTimeoutSeconds")
            if !(5...120).contains(seconds) { validator.fail("/calls/ringTimeoutSeconds", "must be from 5 to 120") }
        }
        if let seconds = calls?.wrapUpSeconds {
            fields.append("calls.wrapUpSeconds")
            if !(0...600).contains(seconds) { validator.fail("/calls/wrapUpSeconds", "must be from 0 to 600") }
        }

        if contacts?.autoAssign != nil { fields.append("contacts.autoAssign") }
        if contacts?.agentsSeeOnlyOwn != nil { fields.append("contacts.agentsSeeOnlyOwn") }

        if fields.isEmpty { validator.fail("", "must change at least one field") }
        try validator.finish()

        return TenantSettingsChanges(
            name: name,
            settings: { settings in
                if let code { settings.defaultCountryCode = code }
                if let zone { settings.timezone = zone }
                if let value = whatsapp?.phoneNumberId { settings.whatsapp.phoneNumberId = value.isEmpty ? nil : value }
                if let value = whatsapp?.businessAccountId { settings.whatsapp.businessAccountId = value.isEmpty ? nil : value }
                if let value = whatsapp?.apiVersion { settings.whatsapp.apiVersion = value.isEmpty ? nil : value }
                if let value = whatsapp?.baseUrl { settings.whatsapp.baseUrl = Self.trimmedURL(value) }
                if let value = razorpay?.baseUrl { settings.razorpay.baseUrl = Self.trimmedURL(value) }
                if let value = razorpay?.keyId { settings.razorpay.keyId = value.isEmpty ? nil : value }
                if let value = livekit?.url { settings.livekit.url = value.isEmpty ? nil : value }
                if let value = livekit?.apiKey { settings.livekit.apiKey = value.isEmpty ? nil : value }
                if let value = calls?.defaultStrategy { settings.calls.defaultStrategy = value }
                if let value = calls?.ringTimeoutSeconds { settings.calls.ringTimeoutSeconds = value }
                if let value = calls?.wrapUpSeconds { settings.calls.wrapUpSeconds = value }
                if let value = contacts?.autoAssign { settings.contacts.autoAssign = value }
                if let value = contacts?.agentsSeeOnlyOwn { settings.contacts.agentsSeeOnlyOwn = value }
            },
            secrets: secrets,
            changedFields: fields
        )
    }

    /// A base URL without trailing slashes; nil for "" (the provider's default).
    static func trimmedURL(_ value: String) -> String? {
        var trimmed = value
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed.isEmpty ? nil : trimmed
    }
}
