import Foundation

/// Who a new call rings.
enum CallRouting {
    /// Free agents in round-robin order: never offered first, then least recently
    /// offered, then by name for a stable order.
    static func roundRobinOrder(_ candidates: [AgentCandidate]) -> [AgentCandidate] {
        candidates.filter(\.canRing).sorted { lhs, rhs in
            switch (lhs.lastOfferedAt, rhs.lastOfferedAt) {
            case (nil, nil): return (lhs.name, lhs.id.uuidString) < (rhs.name, rhs.id.uuidString)
            case (nil, _): return true
            case (_, nil): return false
            case (let l?, let r?): return l == r ? (lhs.name, lhs.id.uuidString) < (rhs.name, rhs.id.uuidString) : l < r
            }
        }
    }
}
