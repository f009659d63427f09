/// What a user may do within their tenant.
public enum Role: String, Codable, CaseIterable, Sendable, Comparable {
    case owner, admin, agent, customer

    /// Owners, admins and agents: the tenant's own people, as opposed to portal customers.
    public var isStaff: Bool { self != .customer }
    /// Owners and admins manage users, settings and the audit log.
    public var isAdministrator: Bool { self == .owner || self == .admin }

    private var rank: Int {
        switch self {
        case .owner: 0
        case .admin: 1
        case .agent: 2
        case .customer: 3
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// Whether a user may sign in.
public enum UserStatus: String, Codable, CaseIterable, Sendable {
    case active, disabled
}

/// Whether a tenant's users may sign in.
public enum TenantStatus: String, Codable, CaseIterable, Sendable {
    case active, suspended
}
