import Foundation

/// Something a tenant sells, at a fixed price in minor units.
public struct Product: Sendable, Equatable {
    public let id: UUID
    public var name: String
    public var price: Int
    public var currency: String
    public var active: Bool
    public let createdAt: Date
    public var updatedAt: Date
}
