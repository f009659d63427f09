import Foundation
import WhatsApp

/// How a WhatsApp status update changes a sent message. Statuses arrive late, twice
/// and out of order, so they only ever move a message forward: a `delivered` after
/// `read` changes nothing but the delivery time it records; `failed` ends a message
/// that was not yet delivered, and nothing moves a failed one on.
enum DeliveryProgress {
    static func apply(_ update: StatusUpdate, to message: inout ChatMessage) {
        let at = update.timestamp
        switch update.status {
        case .sent:
            if message.sentAt == nil { message.sentAt = at }
            advance(&message, to: .sent)
        case .delivered:
            if message.deliveredAt == nil { message.deliveredAt = at }
            advance(&message, to: .delivered)
        case .read:
            if message.readAt == nil { message.readAt = at }
            advance(&message, to: .read)
        case .failed:
            guard message.status == .queued || message.status == .sent else { return }
            message.status = .failed
            let failure = update.errors.first
            message.errorCode = failure?.code
            message.errorTitle = failure?.title ?? "failed"
        }
    }

    private static func advance(_ message: inout ChatMessage, to status: ChatMessage.Status) {
        guard message.status != .failed, status.rank > message.status.rank else { return }
        message.status = status
    }
}
