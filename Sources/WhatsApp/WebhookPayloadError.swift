/// A webhook body that is not a WhatsApp notification at all: not JSON, or not an
/// object with `object` and `entry`. Anything finer is tolerated, not thrown.
public struct WebhookPayloadError: Error, Sendable, Equatable {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }
}
