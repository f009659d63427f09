import Conversations
import Foundation

/// `POST /v1/conversations` (customers): `{text?}`, an optional first message.
struct StartConversationRequest: Decodable {
    let text: String?

    func validated() throws -> String? {
        guard let text else { return nil }
        return try MessageRules.text(text, pointer: "/text")
    }
}

/// `POST /v1/conversations/{id}/messages`: `{text}` or `{template: {name, language, parameters}}`.
struct PostMessageRequest: Decodable {
    struct Template: Decodable {
        let name: String
        let language: String
        let parameters: [String]?
    }

    let text: String?
    let template: Template?

    func validated() throws -> ConversationService.Content {
        switch (text, template) {
        case (let text?, nil): return .text(try MessageRules.text(text, pointer: "/text"))
        case (nil, let template?): return .template(try MessageRules.template(template))
        case (nil, nil): throw AppError.validation(pointer: "/text", "is required (or a template)")
        case (_?, _?): throw AppError.validation(pointer: "/template", "send either text or a template, not both")
        }
    }
}

/// `POST /v1/contacts/{id}/whatsapp`: `{template: {name, language, parameters}}`.
struct StartWhatsAppRequest: Decodable {
    let template: PostMessageRequest.Template

    func validated() throws -> ChatMessage.Template { try MessageRules.template(template) }
}

/// `PATCH /v1/conversations/{id}`: `{assigneeId}` (a staff user's id, or null to unassign).
struct UpdateConversationRequest: Decodable {
    let assigneeId: UUID?
}

enum MessageRules {
    /// WhatsApp caps a text body at 4096 characters; portal chat keeps the same limit.
    static let maximumText = 4096

    static func text(_ text: String, pointer: String) throws -> String {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw AppError.validation(pointer: pointer, "must not be blank") }
        guard text.count <= maximumText else { throw AppError.validation(pointer: pointer, "must be at most \(maximumText) characters") }
        return text
    }

    static func template(_ template: PostMessageRequest.Template) throws -> ChatMessage.Template {
        var validator = FieldValidator()
        // Approved template names are lower-case letters, digits and underscores.
        if template.name.isEmpty || template.name.count > 512
            || !template.name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
        {
            validator.fail("/template/name", "must be an approved template's name: lower-case letters, digits and underscores")
        }
        if template.language.isEmpty || template.language.count > 15
            || !template.language.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic && $0.isASCII || $0 == "_" })
        {
            validator.fail("/template/language", "must be a language code such as en or en_US")
        }
        let parameters = template.parameters ?? []
        if parameters.count > 20 { validator.fail("/template/parameters", "must be at most 20 values") }
        for (index, parameter) in parameters.enumerated() where parameter.isEmpty || parameter.count > 1024 {
            validator.fail("/template/parameters/\(index)", "must be 1 to 1024 characters")
        }
        try validator.finish()
        return ChatMessage.Template(name: template.name, language: template.language, parameters: parameters)
    }
}
