/// How the tenant's CRM contacts are shared among agents.
public struct ContactSettings: Codable, Sendable, Equatable {
    /// New contacts without an owner (created, imported, or arriving by WhatsApp) go
    /// to the tenant's active agents in turn.
    public var autoAssign: Bool
    /// Agents see only the contacts they own; owners and admins always see all.
    public var agentsSeeOnlyOwn: Bool

    public init(autoAssign: Bool = false, agentsSeeOnlyOwn: Bool = false) {
        self.autoAssign = autoAssign
        self.agentsSeeOnlyOwn = agentsSeeOnlyOwn
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        autoAssign = try container.decodeIfPresent(Bool.self, forKey: .autoAssign) ?? false
        agentsSeeOnlyOwn = try container.decodeIfPresent(Bool.self, forKey: .agentsSeeOnlyOwn) ?? false
    }
}
