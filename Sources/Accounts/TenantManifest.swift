import Foundation
import Yams

/// A declarative description of a tenant and its users (`tenants/*.yaml`).
///
/// Manifests hold no secrets: each user's password comes from the environment
/// variable named by `passwordEnv`, or is generated and printed once on creation.
public struct TenantManifest: Codable, Sendable {
    public var slug: String
    public var name: String
    public var settings: Settings?
    public var users: [ManifestUser]

    public struct Settings: Codable, Sendable {
        public var defaultCountryCode: String?
        public var timezone: String?
    }

    public struct ManifestUser: Codable, Sendable {
        public var email: String
        public var name: String
        public var role: Role
        public var phone: String?
        public var passwordEnv: String?
    }

    public static func parse(yaml: String) throws -> TenantManifest {
        let manifest = try YAMLDecoder().decode(TenantManifest.self, from: yaml)
        try manifest.validate()
        return manifest
    }

    func validate() throws {
        _ = try FieldRules.slug(slug, pointer: "/slug")
        _ = try FieldRules.name(name, pointer: "/name")
        if let code = settings?.defaultCountryCode { _ = try FieldRules.countryCode(code, pointer: "/settings/defaultCountryCode") }
        if let timezone = settings?.timezone { _ = try FieldRules.timezone(timezone, pointer: "/settings/timezone") }
        guard users.contains(where: { $0.role == .owner }) else {
            throw AccountsError.invalid(pointer: "/users", reason: "must include at least one owner")
        }
        var seen = Set<String>()
        for (index, user) in users.enumerated() {
            _ = try FieldRules.email(user.email, pointer: "/users/\(index)/email")
            _ = try FieldRules.name(user.name, pointer: "/users/\(index)/name")
            if let phone = user.phone { _ = try FieldRules.phone(phone, pointer: "/users/\(index)/phone") }
            guard seen.insert(user.email.lowercased()).inserted else {
                throw AccountsError.invalid(pointer: "/users/\(index)/email", reason: "appears twice")
            }
        }
    }
}
