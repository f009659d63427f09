/// One contact an import will create or merge: the rows of a file that share a
/// phone number, folded into one.
public struct ImportedContact: Sendable, Equatable {
    /// The first row this phone appeared on.
    public let rowNumber: Int
    public var phone: PhoneNumber
    public var name: String?
    /// Lowercased, and shaped like an address (something@something.tld).
    public var email: String?
    public var source: String?
    /// One of new, contacted, qualified, proposal, negotiation, won, lost.
    public var stage: String?
    /// One of hot, warm, cold, dead.
    public var temperature: String?
    /// 0 to 100.
    public var score: Int?
    /// Each 1 to 50 characters, no two alike (ignoring case), in the order found.
    public var tags: [String]
    /// The columns no field claims, by header text (trimmed); empty cells left out.
    public var customFields: [String: String]
    /// From a Notes, Remarks or Comments column.
    public var note: String?

    public init(
        rowNumber: Int, phone: PhoneNumber, name: String? = nil, email: String? = nil, source: String? = nil, stage: String? = nil,
        temperature: String? = nil, score: Int? = nil, tags: [String] = [], customFields: [String: String] = [:], note: String? = nil
    ) {
        self.rowNumber = rowNumber
        self.phone = phone
        self.name = name
        self.email = email
        self.source = source
        self.stage = stage
        self.temperature = temperature
        self.score = score
        self.tags = tags
        self.customFields = customFields
        self.note = note
    }

    /// Takes from a later row with the same phone what this contact still lacks:
    /// empty fields, tags it does not have, custom fields it has no value for.
    mutating func fill(from later: ImportedContact) {
        name = name ?? later.name
        email = email ?? later.email
        source = source ?? later.source
        stage = stage ?? later.stage
        temperature = temperature ?? later.temperature
        score = score ?? later.score
        note = note ?? later.note
        tags = Tags.union(tags, later.tags)
        customFields.merge(later.customFields) { kept, _ in kept }
    }
}
