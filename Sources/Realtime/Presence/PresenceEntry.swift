import Accounts
import Foundation

/// One staff member's presence as `GET /v1/presence` lists it.
public struct PresenceEntry: Sendable, Equatable, Encodable {
    public let userId: UUID
    public let name: String
    public let role: Role
    public let status: PresenceStatus
    /// A live connection on a live node, and a status other than `offline`.
    public let reachable: Bool
    public let updatedAt: Date
}

/// The `data` of a `presence.changed` event.
struct PresenceChanged: Encodable {
    let userId: UUID
    let status: PresenceStatus
    let reachable: Bool
}
