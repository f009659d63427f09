import Accounts
import Contacts
import Foundation

/// Validation of the contact fields shared by create, update and bulk requests.
enum ContactFieldRules {
    static func tag(_ raw: String, pointer: String, _ validator: inout FieldValidator) -> String? {
        let tag = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...50).contains(tag.count), !tag.contains(where: { $0.isNewline || $0 == "," || $0 == ";" }) else {
            validator.fail(pointer, "must be 1 to 50 characters without commas, semicolons or line breaks")
            return nil
        }
        return tag
    }

    static func tags(_ raw: [String], pointer: String, _ validator: inout FieldValidator) -> [String] {
        guard raw.count <= 50 else {
            validator.fail(pointer, "must have at most 50 tags")
            return []
        }
        var tags: [String] = []
        for (index, value) in raw.enumerated() {
            if let tag = tag(value, pointer: "\(pointer)/\(index)", &validator), !tags.contains(tag) { tags.append(tag) }
        }
        return tags
    }

    static func stage(_ raw: String, pointer: String, _ validator: inout FieldValidator) -> ContactStage? {
        guard let stage = ContactStage(rawValue: raw) else {
            validator.fail(pointer, "must be one of \(ContactStage.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return stage
    }

    static func temperature(_ raw: String, pointer: String, _ validator: inout FieldValidator) -> ContactTemperature? {
        guard let temperature = ContactTemperature(rawValue: raw) else {
            validator.fail(pointer, "must be one of \(ContactTemperature.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return temperature
    }

    static func score(_ value: Int, pointer: String, _ validator: inout FieldValidator) -> Int? {
        guard (0...100).contains(value) else {
            validator.fail(pointer, "must be from 0 to 100")
            return nil
        }
        return value
    }

    static func source(_ raw: String, pointer: String, _ validator: inout FieldValidator) -> String? {
        let source = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard source.count <= 100 else {
            validator.fail(pointer, "must be at most 100 characters")
            return nil
        }
        return source.isEmpty ? nil : source
    }

    static func email(_ raw: String, pointer: String, _ validator: inout FieldValidator) -> String? {
        validator.check { try FieldRules.email(raw, pointer: pointer).lowercased() }
    }

    static func phone(_ raw: String, pointer: String, _ validator: inout FieldValidator) -> String? {
        guard raw.count <= 40 else {
            validator.fail(pointer, "must be a phone number")
            return nil
        }
        return raw
    }

    static func userID(_ raw: String, pointer: String, _ validator: inout FieldValidator) -> UUID? {
        guard let id = UUID(uuidString: raw) else {
            validator.fail(pointer, "must be a user id")
            return nil
        }
        return id
    }

    /// The custom fields object of a request body, re-serialised: at most 100 keys and 16 KiB.
    static func customFields(_ body: [String: Any], pointer: String, _ validator: inout FieldValidator) -> String? {
        guard let value = body["customFields"] else { return nil }
        guard let object = value as? [String: Any] else {
            validator.fail(pointer, "must be an object")
            return nil
        }
        guard object.count <= 100, let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
            data.count <= 16 * 1024
        else {
            validator.fail(pointer, "must have at most 100 keys and 16 KiB")
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }
}
