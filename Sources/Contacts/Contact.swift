import Foundation

/// A CRM contact: one model for leads and customers.
public struct Contact: Sendable, Equatable {
    public let id: UUID
    public let tenantID: UUID
    public var name: String
    /// E.164.
    public var phone: String?
    public var email: String?
    public var source: String?
    public var stage: ContactStage
    public var temperature: ContactTemperature?
    public var score: Int
    public var tags: [String]
    public var ownerID: UUID?
    /// The custom fields' JSON object text.
    public var customFields: String
    public var customerUserID: UUID?
    public var createdBy: UUID?
    public let createdAt: Date
    public var updatedAt: Date
    public var deletedAt: Date?
}

/// Where a lead is in the sales funnel.
public enum ContactStage: String, Sendable, CaseIterable, Codable {
    case new, contacted, qualified, proposal, negotiation, won, lost
}

/// How likely a lead is to buy, as the agent judges it.
public enum ContactTemperature: String, Sendable, CaseIterable, Codable {
    case hot, warm, cold, dead
}
