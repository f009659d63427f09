/// A partial update of a tenant's name, settings and secrets.
public struct TenantSettingsChanges: Sendable {
    public var name: String?
    /// Applied to the current settings inside the update's transaction.
    public var settings: @Sendable (inout TenantSettings) -> Void
    /// A new value stores the secret; an empty string removes it.
    public var secrets: [TenantSecretName: String]
    /// Names of the changed fields, for the audit log (never values).
    public var changedFields: [String]

    public init(
        name: String? = nil, settings: @escaping @Sendable (inout TenantSettings) -> Void = { _ in },
        secrets: [TenantSecretName: String] = [:], changedFields: [String]
    ) {
        self.name = name
        self.settings = settings
        self.secrets = secrets
        self.changedFields = changedFields
    }
}
