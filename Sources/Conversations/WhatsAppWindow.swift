import Foundation

/// WhatsApp's 24-hour customer-service window: free-form messages may be sent until
/// 24 hours after the customer's last message, unless WhatsApp refused one with
/// 131047 since then. Templates are allowed at any time.
struct WhatsAppWindow: Sendable {
    static let length: TimeInterval = 24 * 60 * 60

    let lastInboundAt: Date?
    let closedAt: Date?

    func expiresAt(now: Date) -> Date? {
        guard let lastInboundAt else { return nil }
        if let closedAt, closedAt >= lastInboundAt { return nil }
        let expiry = lastInboundAt.addingTimeInterval(Self.length)
        return expiry > now ? expiry : nil
    }

    func isOpen(now: Date = Date()) -> Bool { expiresAt(now: now) != nil }
}
