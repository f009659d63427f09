import Conversations
import Foundation
import Hummingbird

/// `POST /v1/contacts/{id}/whatsapp` (staff, `Idempotency-Key` honoured): opens the
/// contact's WhatsApp conversation with an approved template, which WhatsApp allows
/// outside the 24-hour window. 201 with the conversation and the queued message.
struct ContactWhatsAppController: Sendable {
    let conversations: ConversationService

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.post("{id}/whatsapp", use: start)
    }

    func start(_ request: Request, context: TenantRequestContext) async throws -> EditedResponse<StartedWhatsAppResponse> {
        let contactID = try context.pathID()
        let key = try CallsController.idempotencyKey(request)
        let template = try await request.decodeJSON(as: StartWhatsAppRequest.self, context: context).validated()
        let (conversation, message, replayed) = try await ConversationsController(conversations: conversations).mapped {
            try await conversations.startWhatsApp(
                contact: contactID, template: template, by: context.conversationActor, idempotencyKey: key, logger: context.logger)
        }
        var headers: HTTPFields = [.location: "/v1/conversations/\(conversation.id.uuidString)"]
        if replayed { headers[.init("Idempotent-Replayed")!] = "true" }
        return EditedResponse(
            status: .created, headers: headers,
            response: StartedWhatsAppResponse(
                conversation: ConversationResponse(conversation, forCustomer: false), message: MessageResponse(message)))
    }
}
