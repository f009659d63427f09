import Foundation
import Persistence
import WhatsApp

extension WhatsAppInbound {
    /// A status and when its delivery was received.
    typealias ReceivedStatus = (update: StatusUpdate, receivedAt: Date)

    /// Delivery statuses for messages we sent, together: their messages found and
    /// locked in one statement, each status applied in arrival order and only forward
    /// (`DeliveryProgress`), the changed messages saved in one statement and their
    /// `chat.message.status` events written in one. Statuses come about three per
    /// message sent (sent, delivered, read); one at a time they took four statements each.
    func applyStatuses(_ statuses: [ReceivedStatus], tenantID: UUID, on connection: PooledConnection) async throws {
        guard !statuses.isEmpty else { return }
        let wamids = Array(Set(statuses.map(\.update.messageID)))
        let found = try await messages.findOutbound(tenantID, wamids: wamids, on: connection, logger: logger)
        var current = found
        var lastChangedAt: [String: Date] = [:]
        var closedWindows: [UUID] = []
        var moved: [(message: ChatMessage, at: Date)] = []
        for (update, receivedAt) in statuses {
            guard var message = current[update.messageID] else {
                // WhatsApp can report a status before our sender has stored the wamid its
                // answer carried: try the whole delivery again shortly (it is idempotent),
                // and after a few minutes accept that the message is not ours.
                if receivedAt > Date().addingTimeInterval(-Self.unknownStatusPatience) {
                    throw StatusForUnknownMessage(wamid: update.messageID)
                }
                logger.debug("status for an unknown WhatsApp message", metadata: ["wamid": "\(update.messageID)"])
                continue
            }
            let before = message
            DeliveryProgress.apply(update, to: &message)
            guard message != before else { continue }
            current[update.messageID] = message
            lastChangedAt[update.messageID] = update.timestamp
            if message.status == .failed, before.status != .failed, update.errors.contains(where: { $0.code == 131047 }),
                !closedWindows.contains(message.conversationID)
            {
                closedWindows.append(message.conversationID)
            }
            if message.status != before.status { moved.append((message, update.timestamp)) }
        }
        let saved = current.compactMap { wamid, message in
            message == found[wamid] ? nil : (message: message, statusAt: lastChangedAt[wamid] ?? Date())
        }
        try await messages.saveDeliveries(saved.sorted { $0.message.id < $1.message.id }, tenantID: tenantID, on: connection, logger: logger)
        for conversationID in closedWindows {
            try await conversations.closeWindow(tenantID, id: conversationID, on: connection, logger: logger)
        }
        guard !moved.isEmpty else { return }
        let threads = try await conversations.find(
            tenantID, ids: Array(Set(moved.map(\.message.conversationID))), on: connection, logger: logger)
        try await events.statuses(
            moved.compactMap { change in threads[change.message.conversationID].map { (change.message, $0, change.at) } },
            on: connection, logger: logger)
    }
}
