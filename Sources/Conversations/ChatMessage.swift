import Foundation

/// One message of a conversation, either way, with its delivery state.
public struct ChatMessage: Sendable, Equatable {
    public enum Direction: String, Sendable { case inbound, outbound }

    /// Delivery state. Statuses only move forward (`queued → sent → delivered →
    /// read`); `failed` ends a message that was never delivered.
    public enum Status: String, Sendable, CaseIterable {
        case queued, sent, delivered, read, failed

        var rank: Int {
            switch self {
            case .queued: 0
            case .sent: 1
            case .delivered: 2
            case .read: 3
            case .failed: 1
            }
        }
    }

    public struct Template: Sendable, Equatable, Codable {
        public let name: String
        public let language: String
        public let parameters: [String]

        public init(name: String, language: String, parameters: [String]) {
            self.name = name
            self.language = language
            self.parameters = parameters
        }
    }

    public let id: UUID
    public let conversationID: UUID
    public let direction: Direction
    /// The staff member or portal customer who wrote it; nil for a WhatsApp contact.
    public let authorID: UUID?
    public let type: String
    public let body: String
    public let template: Template?
    public var status: Status
    public var errorCode: Int?
    public var errorTitle: String?
    public var providerMessageID: String?
    public let createdAt: Date
    public var sentAt: Date?
    public var deliveredAt: Date?
    public var readAt: Date?
}
