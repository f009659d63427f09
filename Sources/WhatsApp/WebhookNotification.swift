import Foundation

/// Everything one webhook POST reports (PROVIDERS.md §1.4), flattened out of
/// `object → entry[] → changes[] → value`. One POST can batch several entries,
/// changes, messages and statuses; they are kept in the order received.
public struct WebhookNotification: Sendable, Equatable {
    public var messages: [InboundMessage]
    public var statuses: [StatusUpdate]

    public init(messages: [InboundMessage] = [], statuses: [StatusUpdate] = []) {
        self.messages = messages
        self.statuses = statuses
    }

    /// Parses the raw body. Throws only when the body is not a notification at all;
    /// within one, anything unreadable is skipped so that one odd message does not
    /// make Meta redeliver (and the intake reprocess) the whole batch.
    public static func parse(_ body: [UInt8]) throws -> WebhookNotification {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(body))
        } catch {
            throw WebhookPayloadError(reason: "The body is not JSON.")
        }
        guard let root = parsed as? [String: Any] else {
            throw WebhookPayloadError(reason: "The body is not a JSON object.")
        }
        guard root["object"] is String, let entries = root["entry"] as? [Any] else {
            throw WebhookPayloadError(reason: "The body has no \"object\" and \"entry\".")
        }
        var notification = WebhookNotification()
        for entry in entries.compactMap({ $0 as? [String: Any] }) {
            for change in JSONField.objects(entry["changes"]) {
                // Other fields (template status, account updates) have other shapes.
                if let field = JSONField.string(change["field"]), field != "messages" { continue }
                guard let value = JSONField.object(change["value"]) else { continue }
                notification.read(value)
            }
        }
        return notification
    }

    private mutating func read(_ value: [String: Any]) {
        let phoneNumberID = JSONField.string(JSONField.object(value["metadata"])?["phone_number_id"])
        let contacts = JSONField.objects(value["contacts"])
        messages += JSONField.objects(value["messages"]).compactMap {
            InboundMessage($0, phoneNumberID: phoneNumberID, contacts: contacts)
        }
        statuses += JSONField.objects(value["statuses"]).compactMap { StatusUpdate($0, phoneNumberID: phoneNumberID) }
    }
}
