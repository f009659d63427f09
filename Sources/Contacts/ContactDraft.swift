import Foundation

/// The validated fields of a new contact (`POST /v1/contacts`).
public struct ContactDraft: Sendable {
    public var name: String
    /// E.164, already normalised.
    public var phone: String?
    public var email: String?
    public var source: String?
    public var stage: ContactStage
    public var temperature: ContactTemperature?
    public var score: Int
    public var tags: [String]
    public var ownerID: UUID?
    /// A JSON object's text.
    public var customFields: String
    public var customerUserID: UUID?

    public init(
        name: String, phone: String? = nil, email: String? = nil, source: String? = nil, stage: ContactStage = .new,
        temperature: ContactTemperature? = nil, score: Int = 0, tags: [String] = [], ownerID: UUID? = nil,
        customFields: String = "{}", customerUserID: UUID? = nil
    ) {
        self.name = name
        self.phone = phone
        self.email = email
        self.source = source
        self.stage = stage
        self.temperature = temperature
        self.score = score
        self.tags = tags
        self.ownerID = ownerID
        self.customFields = customFields
        self.customerUserID = customerUserID
    }
}

/// A partial update (`PATCH /v1/contacts/{id}`): nil leaves a field alone; for the
/// optional fields `.some(nil)` clears it.
public struct ContactChanges: Sendable {
    public var name: String?
    public var phone: String??
    public var email: String??
    public var source: String??
    public var stage: ContactStage?
    public var temperature: ContactTemperature??
    public var score: Int?
    public var tags: [String]?
    public var ownerID: UUID??
    /// Keys merged into the custom fields (a JSON object's text; a null value removes the key).
    public var customFields: String?
    public var customerUserID: UUID??

    public init() {}
}
