import Conversations

extension AppError {
    init(_ error: ConversationError) {
        switch error {
        case .notFound: self = .notFound("No such conversation.")
        case .contactNotFound: self = .notFound("No such contact.")
        case .assigneeNotFound: self = .validation(pointer: "/assigneeId", "must be an active staff member of this tenant")
        case .contactHasNoPhone:
            self = AppError(
                .unprocessableContent, kind: "contact-has-no-phone", title: "Contact has no phone number",
                detail: "WhatsApp needs the contact's phone number; add one to the contact first.")
        case .windowClosed:
            self = AppError(
                .unprocessableContent, kind: "whatsapp-template-required", title: "Template required",
                detail:
                    "The customer has not written in the last 24 hours, so WhatsApp accepts only an approved template: send {template: {name, language, parameters}}."
            )
        case .whatsappNotConfigured:
            self = AppError(
                .unprocessableContent, kind: "whatsapp-not-configured", title: "WhatsApp is not configured",
                detail: "Set integrations.whatsapp.phoneNumberId and accessToken in the tenant settings first.")
        case .forbidden(let detail): self = .forbidden(detail)
        case .invalid(let pointer, let detail): self = .validation(pointer: pointer, detail)
        case .idempotencyKeyReused:
            self = AppError(
                .unprocessableContent, kind: "idempotency-key-reused", title: "Idempotency key reused",
                detail: "This Idempotency-Key was used for a different message.")
        }
    }
}
