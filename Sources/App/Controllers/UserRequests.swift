import Accounts

/// `POST /v1/users` body.
struct CreateUserRequest: Decodable {
    let email: String
    let name: String
    let phone: String?
    let role: String
    let password: String

    func validated() throws -> (NewUser, password: String) {
        var validator = FieldValidator()
        let email = validator.check { try FieldRules.email(self.email, pointer: "/email") }
        let name = validator.check { try FieldRules.name(self.name, pointer: "/name") }
        let phone = self.phone.flatMap { phone in validator.check { try FieldRules.phone(phone, pointer: "/phone") } }
        let role = Role(rawValue: self.role)
        if role == nil { validator.fail("/role", "must be one of owner, admin, agent, customer") }
        _ = validator.check { try PasswordHasher.validate(password, pointer: "/password") }
        try validator.finish()
        return (NewUser(email: email!, name: name!, phone: phone, role: role!), password)
    }
}

/// `PATCH /v1/users/{id}` body; absent fields stay, `"phone": null` clears the phone.
struct UpdateUserRequest: Decodable {
    let email: String?
    let name: String?
    let phone: String??
    let role: String?
    let status: String?
    let password: String?

    private enum CodingKeys: String, CodingKey { case email, name, phone, role, status, password }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        if container.contains(.phone) {
            phone = .some(try container.decodeNil(forKey: .phone) ? nil : container.decode(String.self, forKey: .phone))
        } else {
            phone = nil
        }
        role = try container.decodeIfPresent(String.self, forKey: .role)
        status = try container.decodeIfPresent(String.self, forKey: .status)
        password = try container.decodeIfPresent(String.self, forKey: .password)
    }

    func validated() throws -> UserChanges {
        var validator = FieldValidator()
        var changes = UserChanges()
        if let email { changes.email = validator.check { try FieldRules.email(email, pointer: "/email") } }
        if let name { changes.name = validator.check { try FieldRules.name(name, pointer: "/name") } }
        if let phone {
            if let phone {
                if let valid = validator.check({ try FieldRules.phone(phone, pointer: "/phone") }) { changes.phone = .some(valid) }
            } else {
                changes.phone = .some(nil)
            }
        }
        if let role {
            changes.role = Role(rawValue: role)
            if changes.role == nil { validator.fail("/role", "must be one of owner, admin, agent, customer") }
        }
        if let status {
            changes.status = UserStatus(rawValue: status)
            if changes.status == nil { validator.fail("/status", "must be active or disabled") }
        }
        if let password {
            _ = validator.check { try PasswordHasher.validate(password, pointer: "/password") }
            changes.password = password
        }
        if changes.changedFields.isEmpty, validator.errors.isEmpty { validator.fail("", "must change at least one field") }
        try validator.finish()
        return changes
    }
}
