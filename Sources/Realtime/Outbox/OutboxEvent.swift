import Foundation

/// An event as stored in the outbox and delivered to clients as
/// `{id, type, occurredAt, data}`.
public struct OutboxEvent: Sendable, Equatable {
    public let position: EventPosition
    public let tenantID: UUID
    public let type: String
    public let audience: EventAudience
    /// The `data` object, as JSON text.
    public let payload: String
    public let occurredAt: Date
}
