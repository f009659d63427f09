import Foundation

/// What `GET /v1/payments` narrows the list to.
public struct PaymentFilter: Sendable {
    public var status: Payment.Status?
    public var contactID: UUID?
    public var from: Date?
    public var to: Date?

    public init() {}
}
