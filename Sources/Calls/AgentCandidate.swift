import Foundation
import Realtime

/// A staff member as call routing sees them.
public struct AgentCandidate: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let status: PresenceStatus
    /// A live real-time connection on a live node.
    public let connected: Bool
    /// Being offered a call that is still ringing.
    public let ringing: Bool
    /// In an accepted call.
    public let onCall: Bool
    /// When they were last offered a call (round robin goes to the least recent).
    public let lastOfferedAt: Date?

    /// Reachable and `available`, and free: can be rung now.
    public var canRing: Bool { connected && status == .available && !ringing && !onCall }
    /// Reachable and `available` (what customers see as callable).
    public var isAvailable: Bool { connected && status == .available && !onCall }

    /// Up to two initials for an avatar placeholder.
    public var initials: String {
        name.split(separator: " ").prefix(2).compactMap(\.first).map { String($0).uppercased() }.joined()
    }
}
