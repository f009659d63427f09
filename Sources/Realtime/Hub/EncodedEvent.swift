import Foundation
import NIOCore

/// An event rendered once for every transport and shared by all its recipients: the
/// JSON envelope `{id, type, occurredAt, data}` (a WebSocket text frame) and the
/// same envelope as an SSE message with `id:` and `event:` lines.
public struct EncodedEvent: Sendable {
    public let position: EventPosition
    public let json: ByteBuffer
    public let serverSentEvent: ByteBuffer

    public init(_ event: OutboxEvent) {
        self.init(
            id: event.position.description, position: event.position, type: event.type, occurredAt: event.occurredAt, data: event.payload)
    }

    /// The `resync` event a client gets first when it resumes from an id older than
    /// retention: whatever it holds may be stale and should be reloaded over REST.
    public static func resync(after lastEventID: String, horizon: EventPosition) -> EncodedEvent {
        let data = "{\"lastEventId\":\(JSONText.quoted(lastEventID)),\"reason\":\"events after lastEventId are no longer retained\"}"
        return EncodedEvent(id: horizon.description, position: horizon, type: "resync", occurredAt: Date(), data: data)
    }

    init(id: String, position: EventPosition, type: String, occurredAt: Date, data: String) {
        self.position = position
        let envelope =
            "{\"id\":\"\(id)\",\"type\":\(JSONText.quoted(type)),\"occurredAt\":\"\(Self.timestamp(occurredAt))\",\"data\":\(data)}"
        self.json = ByteBuffer(string: envelope)
        // The envelope is one line: JSON text from jsonb and our encoder has no raw newlines.
        self.serverSentEvent = ByteBuffer(string: "id: \(id)\nevent: \(type)\ndata: \(envelope)\n\n")
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
