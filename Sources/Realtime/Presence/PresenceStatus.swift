/// The availability an agent chooses. Being reachable also takes a live connection.
public enum PresenceStatus: String, Codable, Sendable, CaseIterable {
    case available, busy, away, offline
}
