/// The delivery states a status webhook reports (PROVIDERS.md §1.4). They can
/// arrive out of order, so consumers order them by timestamp, not arrival.
public enum DeliveryStatus: String, Sendable, Equatable {
    case sent, delivered, read, failed
}
