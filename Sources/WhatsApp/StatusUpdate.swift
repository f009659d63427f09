import Foundation

/// A delivery report for a message the business sent (PROVIDERS.md §1.4
/// `statuses[]`). Delivery is at least once, so consumers dedupe on
/// `(messageID, status)`.
public struct StatusUpdate: Sendable, Equatable {
    /// Why a `failed` message failed, such as 131047 outside the 24-hour window.
    public struct Failure: Sendable, Equatable {
        public var code: Int
        public var title: String
        /// `error_data.details`, Meta's longer explanation.
        public var details: String?

        public init(code: Int, title: String, details: String? = nil) {
            self.code = code
            self.title = title
            self.details = details
        }
    }

    /// `value.metadata.phone_number_id`: which tenant number sent the message.
    public var phoneNumberID: String?
    /// The wamid returned by the send.
    public var messageID: String
    public var status: DeliveryStatus
    /// When it happened at Meta; order statuses by this, not by arrival.
    public var timestamp: Date
    public var recipientID: String?
    public var errors: [Failure]

    public init(
        phoneNumberID: String?, messageID: String, status: DeliveryStatus, timestamp: Date, recipientID: String?,
        errors: [Failure] = []
    ) {
        self.phoneNumberID = phoneNumberID
        self.messageID = messageID
        self.status = status
        self.timestamp = timestamp
        self.recipientID = recipientID
        self.errors = errors
    }

    /// Reads one `statuses[]` entry; nil when it lacks an id or timestamp or reports
    /// a status this adapter does not know (newer API versions add some).
    init?(_ object: [String: Any], phoneNumberID: String?) {
        guard let id = JSONField.string(object["id"]), !id.isEmpty,
            let status = JSONField.string(object["status"]).flatMap(DeliveryStatus.init(rawValue:)),
            let timestamp = JSONField.date(object["timestamp"])
        else { return nil }
        self.init(
            phoneNumberID: phoneNumberID, messageID: id, status: status, timestamp: timestamp,
            recipientID: JSONField.string(object["recipient_id"]),
            errors: JSONField.objects(object["errors"]).compactMap(Failure.init))
    }
}

extension StatusUpdate.Failure {
    /// An `errors[]` entry; one without a code is dropped, as there is nothing to branch on.
    init?(_ object: [String: Any]) {
        guard let code = JSONField.int(object["code"]) else { return nil }
        self.init(
            code: code,
            title: JSONField.string(object["title"]) ?? JSONField.string(object["message"]) ?? "",
            details: JSONField.string(JSONField.object(object["error_data"])?["details"]))
    }
}
