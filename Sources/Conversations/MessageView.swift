import Foundation

/// A message as the API and the `chat.*` events show it.
public struct MessageView: Encodable, Sendable {
    public struct Failure: Encodable, Sendable {
        let code: Int?
        let title: String
    }

    let id: UUID
    let conversationId: UUID
    let direction: String
    let authorId: UUID?
    let type: String
    let body: String
    let template: ChatMessage.Template?
    let status: String
    let error: Failure?
    let providerMessageId: String?
    let createdAt: Date
    let sentAt: Date?
    let deliveredAt: Date?
    let readAt: Date?

    public init(_ message: ChatMessage) {
        id = message.id
        conversationId = message.conversationID
        direction = message.direction.rawValue
        authorId = message.authorID
        type = message.type
        body = message.body
        template = message.template
        status = message.status.rawValue
        // A retry's last error is kept while queued, but only a failure is shown as one.
        error = message.status == .failed ? Failure(code: message.errorCode, title: message.errorTitle ?? "failed") : nil
        providerMessageId = message.providerMessageID
        createdAt = message.createdAt
        sentAt = message.sentAt
        deliveredAt = message.deliveredAt
        readAt = message.readAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(conversationId, forKey: .conversationId)
        try container.encode(direction, forKey: .direction)
        try container.encode(authorId, forKey: .authorId)
        try container.encode(type, forKey: .type)
        try container.encode(body, forKey: .body)
        try container.encodeIfPresent(template, forKey: .template)
        try container.encode(status, forKey: .status)
        try container.encode(error, forKey: .error)
        try container.encodeIfPresent(providerMessageId, forKey: .providerMessageId)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(sentAt, forKey: .sentAt)
        try container.encode(deliveredAt, forKey: .deliveredAt)
        try container.encode(readAt, forKey: .readAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, conversationId, direction, authorId, type, body, template, status, error, providerMessageId, createdAt, sentAt,
            deliveredAt, readAt
    }
}
