import Foundation

public enum ConversationError: Error, Sendable, Equatable {
    case notFound
    case contactNotFound
    case assigneeNotFound
    /// The contact has no phone number to message on WhatsApp.
    case contactHasNoPhone
    /// Free text outside the 24-hour customer-service window; a template is needed.
    case windowClosed
    /// The tenant has not configured the WhatsApp number (settings integrations.whatsapp).
    case whatsappNotConfigured
    case forbidden(String)
    case invalid(pointer: String, detail: String)
    case idempotencyKeyReused
}
