import Accounts
import Foundation
import Hummingbird
import Razorpay
import WhatsApp

/// `GET /v1/settings`: plain settings, and secrets only as `{configured, last4}`.
struct SettingsResponse: ResponseEncodable, Sendable {
    struct TenantSummary: Encodable, Sendable {
        let id: UUID
        let slug: String
        let name: String
        let status: TenantStatus
    }

    struct Secret: Encodable, Sendable {
        let configured: Bool
        let last4: String?
        let updatedAt: Date?
    }

    struct WhatsApp: Encodable, Sendable {
        let phoneNumberId: String?
        let businessAccountId: String?
        /// The Graph API version and base URL sends use (the defaults when not set).
        let apiVersion: String
        let baseUrl: String
        /// Where to point the Meta app's webhook (GET verify and POST notifications).
        let webhookPath: String?
        let accessToken: Secret
        let appSecret: Secret
        let verifyToken: Secret
    }

    struct Razorpay: Encodable, Sendable {
        let keyId: String?
        /// The API base URL orders, links and refunds use.
        let baseUrl: String
        /// Where to point the Razorpay webhook.
        let webhookPath: String?
        let keySecret: Secret
        let webhookSecret: Secret
    }

    struct LiveKit: Encodable, Sendable {
        let url: String?
        let apiKey: String?
        let apiSecret: Secret
    }

    struct Integrations: Encodable, Sendable {
        let whatsapp: WhatsApp
        let razorpay: Razorpay
        let livekit: LiveKit
    }

    let tenant: TenantSummary
    let defaultCountryCode: String
    let timezone: String
    let integrations: Integrations
    let calls: CallSettings
    let contacts: ContactSettings

    init(_ view: TenantSettingsView) {
        func secret(_ name: TenantSecretName) -> Secret {
            let summary = view.secrets[name]
            return Secret(configured: summary != nil, last4: summary?.last4, updatedAt: summary?.updatedAt)
        }
        let settings = view.tenant.settings
        tenant = TenantSummary(id: view.tenant.id, slug: view.tenant.slug, name: view.tenant.name, status: view.tenant.status)
        defaultCountryCode = settings.defaultCountryCode
        timezone = settings.timezone
        calls = settings.calls
        contacts = settings.contacts
        integrations = Integrations(
            whatsapp: WhatsApp(
                phoneNumberId: settings.whatsapp.phoneNumberId, businessAccountId: settings.whatsapp.businessAccountId,
                apiVersion: settings.whatsapp.apiVersion ?? GraphCredentials.defaultAPIVersion,
                baseUrl: settings.whatsapp.baseUrl ?? GraphCredentials.defaultBaseURL,
                webhookPath: view.webhookKeys["whatsapp"].map { "/v1/webhooks/whatsapp/\($0)" },
                accessToken: secret(.whatsappAccessToken), appSecret: secret(.whatsappAppSecret),
                verifyToken: secret(.whatsappVerifyToken)
            ),
            razorpay: Razorpay(
                keyId: settings.razorpay.keyId, baseUrl: settings.razorpay.baseUrl ?? RazorpayCredentials.defaultBaseURL,
                webhookPath: view.webhookKeys["razorpay"].map { "/v1/webhooks/razorpay/\($0)" }, keySecret: secret(.razorpayKeySecret), webhookSecret: secret(.razorpayWebhookSecret)
            ),
            livekit: LiveKit(url: settings.livekit.url, apiKey: settings.livekit.apiKey, apiSecret: secret(.livekitApiSecret))
        )
    }
}
