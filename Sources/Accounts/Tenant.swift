import Foundation

/// A customer organisation of Switchboard; every other row belongs to exactly one.
public struct Tenant: Sendable, Equatable {
    public let id: UUID
    public var slug: String
    public var name: String
    public var status: TenantStatus
    public var settings: TenantSettings
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, slug: String, name: String, status: TenantStatus,
        settings: TenantSettings, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.slug = slug
        self.name = name
        self.status = status
        self.settings = settings
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
