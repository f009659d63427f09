/// A partial update of a user; nil fields stay as they are.
public struct UserChanges: Sendable {
    public var email: String?
    public var name: String?
    /// `.some(nil)` clears the phone number.
    public var phone: String??
    public var role: Role?
    public var status: UserStatus?
    public var password: String?

    public init(
        email: String? = nil, name: String? = nil, phone: String?? = nil,
        role: Role? = nil, status: UserStatus? = nil, password: String? = nil
    ) {
        self.email = email
        self.name = name
        self.phone = phone
        self.role = role
        self.status = status
        self.password = password
    }

    /// Field names for the audit log (values are not recorded: they may be personal data).
    public var changedFields: [String] {
        var fields: [String] = []
        if email != nil { fields.append("email") }
        if name != nil { fields.append("name") }
        if phone != nil { fields.append("phone") }
        if role != nil { fields.append("role") }
        if status != nil { fields.append("status") }
        if password != nil { fields.append("password") }
        return fields
    }
}
