/// A tenant's non-secret settings, stored as JSON on the tenant row.
///
/// Integration secrets (API keys, webhook secrets) are not here: they live encrypted
/// in `tenant_secrets` and are handled by `TenantSecretStore`.
public struct TenantSettings: Codable, Sendable, Equatable {
    /// Prefix for phone numbers written without one, e.g. "+91".
    public var defaultCountryCode: String
    /// IANA time zone name used for dashboards and schedules.
    public var timezone: String
    public var whatsapp: WhatsAppSettings
    public var razorpay: RazorpaySettings
    public var livekit: LiveKitSettings
    public var calls: CallSettings
    public var contacts: ContactSettings

    public init(
        defaultCountryCode: String = "+91",
        timezone: String = "Asia/Kolkata",
        whatsapp: WhatsAppSettings = .init(),
        razorpay: RazorpaySettings = .init(),
        livekit: LiveKitSettings = .init(),
        calls: CallSettings = .init(),
        contacts: ContactSettings = .init()
    ) {
        self.defaultCountryCode = defaultCountryCode
        self.timezone = timezone
        self.whatsapp = whatsapp
        self.razorpay = razorpay
        self.livekit = livekit
        self.calls = calls
        self.contacts = contacts
    }

    public init(from decoder: any Decoder) throws {
        // Older rows may lack newer keys: fall back to defaults key by key.
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = TenantSettings()
        defaultCountryCode = try container.decodeIfPresent(String.self, forKey: .defaultCountryCode) ?? defaults.defaultCountryCode
        timezone = try container.decodeIfPresent(String.self, forKey: .timezone) ?? defaults.timezone
        whatsapp = try container.decodeIfPresent(WhatsAppSettings.self, forKey: .whatsapp) ?? defaults.whatsapp
        razorpay = try container.decodeIfPresent(RazorpaySettings.self, forKey: .razorpay) ?? defaults.razorpay
        livekit = try container.decodeIfPresent(LiveKitSettings.self, forKey: .livekit) ?? defaults.livekit
        calls = try container.decodeIfPresent(CallSettings.self, forKey: .calls) ?? defaults.calls
        contacts = try container.decodeIfPresent(ContactSettings.self, forKey: .contacts) ?? defaults.contacts
    }
}

/// Public identifiers of the tenant's WhatsApp Cloud API number, and where the
/// Graph API is (the version and base URL; nil means the adapter's defaults).
public struct WhatsAppSettings: Codable, Sendable, Equatable {
    public var phoneNumberId: String?
    public var businessAccountId: String?
    public var apiVersion: String?
    public var baseUrl: String?
    public init(phoneNumberId: String? = nil, businessAccountId: String? = nil, apiVersion: String? = nil, baseUrl: String? = nil) {
        self.phoneNumberId = phoneNumberId
        self.businessAccountId = businessAccountId
        self.apiVersion = apiVersion
        self.baseUrl = baseUrl
    }
}

/// The tenant's Razorpay key id (public; Checkout needs it), and the API base URL
/// (nil means Razorpay's own).
public struct RazorpaySettings: Codable, Sendable, Equatable {
    public var keyId: String?
    public var baseUrl: String?
    public init(keyId: String? = nil, baseUrl: String? = nil) {
        self.keyId = keyId
        self.baseUrl = baseUrl
    }
}

/// Where the tenant's LiveKit server is and the API key that signs room tokens.
public struct LiveKitSettings: Codable, Sendable, Equatable {
    public var url: String?
    public var apiKey: String?
    public init(url: String? = nil, apiKey: String? = nil) {
        self.url = url
        self.apiKey = apiKey
    }
}

/// How the tenant's browser calls ring.
public struct CallSettings: Codable, Sendable, Equatable {
    /// `ring-all` or `round-robin`: what a customer's call without an agent uses.
    public var defaultStrategy: String
    /// How long a call (or, in round robin, each agent) rings before moving on, 5–120 s.
    public var ringTimeoutSeconds: Int
    /// How long after a call an agent stays busy before their previous status returns, 0–600 s.
    public var wrapUpSeconds: Int

    public init(defaultStrategy: String = "ring-all", ringTimeoutSeconds: Int = 30, wrapUpSeconds: Int = 0) {
        self.defaultStrategy = defaultStrategy
        self.ringTimeoutSeconds = ringTimeoutSeconds
        self.wrapUpSeconds = wrapUpSeconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = CallSettings()
        defaultStrategy = try container.decodeIfPresent(String.self, forKey: .defaultStrategy) ?? defaults.defaultStrategy
        ringTimeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .ringTimeoutSeconds) ?? defaults.ringTimeoutSeconds
        wrapUpSeconds = try container.decodeIfPresent(Int.self, forKey: .wrapUpSeconds) ?? defaults.wrapUpSeconds
    }
}

/// The write-only integration secrets a tenant can store.
public enum TenantSecretName: String, CaseIterable, Codable, Sendable {
    case whatsappAccessToken = "whatsapp.accessToken"
    case whatsappAppSecret = "whatsapp.appSecret"
    case whatsappVerifyToken = "whatsapp.verifyToken"
    case razorpayKeySecret = "razorpay.keySecret"
    case razorpayWebhookSecret = "razorpay.webhookSecret"
    /// The webhook secret before the last change, kept by the server (never set
    /// directly): Razorpay signs redeliveries of older events with it for 24 hours.
    case razorpayPreviousWebhookSecret = "razorpay.previousWebhookSecret"
    case livekitApiSecret = "livekit.apiSecret"
}
