import Foundation
import Persistence

/// Who a new call rings.
enum CallRouting {
    /// Free agents in round-robin order: never offered first, then least recently
    /// offered, then by name for a stable order.
    static func roundRobinOrder(_ candidates: [AgentCandidate]) -> [AgentCandidate] {
        candidates.filter(\.canRing).sorted { lhs, rhs in
            switch (lhs.lastOfferedAt, rhs.lastOfferedAt) {
            case (nil, nil): return byName(lhs, rhs)
            case (nil, _): return true
            case (_, nil): return false
            case (let l?, let r?): return l == r ? byName(lhs, rhs) : l < r
            }
        }
    }

    private static func byName(_ lhs: AgentCandidate, _ rhs: AgentCandidate) -> Bool {
        lhs.name == rhs.name ? lhs.id.sortsBefore(rhs.id) : lhs.name < rhs.name
    }
}
