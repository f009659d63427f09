import Conversations
import Foundation
import Hummingbird

/// A conversation as a response body (the shape is `ConversationView`'s, which the
/// `conversation.*` events share).
struct ConversationResponse: ResponseEncodable, Sendable {
    let view: ConversationView

    init(_ conversation: Conversation, forCustomer: Bool) {
        view = ConversationView(conversation, forCustomer: forCustomer)
    }

    func encode(to encoder: any Encoder) throws { try view.encode(to: encoder) }
}

/// A message as a response body (`MessageView`, shared with `chat.message`).
struct MessageResponse: ResponseEncodable, Sendable {
    let view: MessageView

    init(_ message: ChatMessage) { view = MessageView(message) }

    func encode(to encoder: any Encoder) throws { try view.encode(to: encoder) }
}

/// `POST /v1/contacts/{id}/whatsapp`'s answer: the conversation and its queued opening message.
struct StartedWhatsAppResponse: ResponseEncodable, Sendable {
    let conversation: ConversationResponse
    let message: MessageResponse
}
