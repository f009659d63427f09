import Foundation

/// A message a customer sent to a tenant's number (PROVIDERS.md §1.4 `messages[]`).
/// Delivery is at least once, so consumers dedupe on `id`.
public struct InboundMessage: Sendable, Equatable {
    /// `value.metadata.phone_number_id`: which tenant number received it.
    public var phoneNumberID: String?
    /// The wamid.
    public var id: String
    /// The sender's digits as Meta sends them (their wa_id), without "+".
    public var from: String
    /// The sender's WhatsApp profile name, from `value.contacts[]`.
    public var profileName: String?
    public var timestamp: Date
    /// The type as received: "text", "image", "button", "interactive", ...
    public var type: String
    /// The text, or a readable summary for other types (see `summary(of:type:)`).
    public var text: String
    /// `context.id`: the wamid this message replies to.
    public var replyTo: String?

    public init(
        phoneNumberID: String?, id: String, from: String, profileName: String?, timestamp: Date, type: String, text: String,
        replyTo: String?
    ) {
        self.phoneNumberID = phoneNumberID
        self.id = id
        self.from = from
        self.profileName = profileName
        self.timestamp = timestamp
        self.type = type
        self.text = text
        self.replyTo = replyTo
    }

    /// Reads one `messages[]` entry; nil when it lacks an id, sender or timestamp,
    /// without which it cannot be stored or deduplicated.
    init?(_ object: [String: Any], phoneNumberID: String?, contacts: [[String: Any]]) {
        guard let id = JSONField.string(object["id"]), !id.isEmpty,
            let from = JSONField.string(object["from"]), !from.isEmpty,
            let timestamp = JSONField.date(object["timestamp"])
        else { return nil }
        let type = JSONField.string(object["type"]).flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"
        let contact = contacts.first { JSONField.string($0["wa_id"]) == from }
        self.init(
            phoneNumberID: phoneNumberID, id: id, from: from,
            profileName: JSONField.string(JSONField.object(contact?["profile"])?["name"]),
            timestamp: timestamp, type: type, text: Self.summary(of: object, type: type),
            replyTo: JSONField.string(JSONField.object(object["context"])?["id"]))
    }

    /// The text of a text message; for anything else what an agent would want to
    /// see in the inbox, falling back to "[type]" when there is nothing to show.
    static func summary(of object: [String: Any], type: String) -> String {
        let part = JSONField.object(object[type])
        func field(_ key: String, in part: [String: Any]?) -> String? {
            JSONField.string(part?[key]).flatMap { $0.isEmpty ? nil : $0 }
        }
        let summary: String?
        switch type {
        case "text":
            summary = field("body", in: part)
        case "image", "video", "document", "sticker", "audio":
            summary = field("caption", in: part)
        case "button":
            summary = field("text", in: part) ?? field("payload", in: part)
        case "interactive":
            summary = ["button_reply", "list_reply"].lazy.compactMap { field("title", in: JSONField.object(part?[$0])) }.first
        case "reaction":
            // An empty emoji means the customer removed their reaction.
            summary = field("emoji", in: part)
        case "location":
            summary = field("name", in: part) ?? field("address", in: part) ?? coordinates(part)
        case "contacts":
            let names = JSONField.objects(object["contacts"]).compactMap { field("formatted_name", in: JSONField.object($0["name"])) }
            summary = names.isEmpty ? nil : "[contacts] " + names.joined(separator: ", ")
        case "system":
            summary = field("body", in: part)
        default:
            summary = nil
        }
        return summary ?? "[\(type)]"
    }

    private static func coordinates(_ location: [String: Any]?) -> String? {
        guard let latitude = location?["latitude"], let longitude = location?["longitude"] else { return nil }
        return "\(latitude), \(longitude)"
    }
}
