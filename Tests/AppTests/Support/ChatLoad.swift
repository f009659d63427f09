import Foundation
import NIOConcurrencyHelpers

/// Portal customers writing chat messages through the nodes while a fault happens:
/// every answer is recorded, so a test can check that each acknowledged message
/// (201) was kept and that every other answer was an honest 503 problem, quickly.
final class ChatLoad: Sendable {
    struct Writer: Sendable {
        let token: String
        let conversationID: String
    }

    struct Answer: Sendable {
        let node: Int
        let status: Int?  // nil: no HTTP answer (connection refused or reset)
        let problemType: String?
        let contentType: String?
        let messageID: String?
        let sentAt: ContinuousClock.Instant
        let answeredAt: ContinuousClock.Instant
        var took: Duration { answeredAt - sentAt }
    }

    private let answers = NIOLockedValueBox<[Answer]>([])
    private let nodes: NIOLockedValueBox<[Int]>
    private let stopped = NIOLockedValueBox(false)
    private let tasks = NIOLockedValueBox<[Task<Void, Never>]>([])

    /// Starts one task per writer, each posting a message every `interval` to the
    /// live nodes in turn.
    init(_ cluster: FaultCluster, writers: [Writer], nodes: [Int], interval: Duration) {
        self.nodes = NIOLockedValueBox(nodes)
        let started = writers.enumerated().map { index, writer in
            Task { [self] in await write(cluster, writer, offset: index, interval: interval) }
        }
        tasks.withLockedValue { $0 = started }
    }

    /// Stops sending to `node` (it was killed).
    func avoid(_ node: Int) {
        nodes.withLockedValue { $0.removeAll { $0 == node } }
    }

    func stop() async {
        stopped.withLockedValue { $0 = true }
        for task in tasks.withLockedValue({ $0 }) { await task.value }
    }

    var all: [Answer] { answers.withLockedValue { $0 } }
    var acknowledged: [String] { all.compactMap(\.messageID) }

    /// Answers that were neither a 201 nor a 503 problem+json of type `unavailable`
    /// (and, for `allowingNoAnswer`, not a missing answer from that node).
    func unexpected(allowingNoAnswerFrom killed: Int? = nil) -> [String] {
        all.compactMap { answer in
            switch answer.status {
            case 201: return nil
            case 503 where answer.contentType == "application/problem+json"
                && answer.problemType == "https://switchboard.dev/problems/unavailable":
                return nil
            case nil where answer.node == killed: return nil
            default:
                return "node \(answer.node): \(answer.status.map(String.init) ?? "no answer") \(answer.problemType ?? "")"
            }
        }
    }

    /// The first 201 each node gave for a request sent after `instant`.
    func firstAcknowledgement(after instant: ContinuousClock.Instant, node: Int) -> ContinuousClock.Instant? {
        all.filter { $0.node == node && $0.status == 201 && $0.sentAt >= instant }.map(\.answeredAt).min()
    }

    private func write(_ cluster: FaultCluster, _ writer: Writer, offset: Int, interval: Duration) async {
        var n = offset
        while !stopped.withLockedValue({ $0 }) {
            let live = nodes.withLockedValue { $0 }
            guard !live.isEmpty else { return }
            let node = live[n % live.count]
            n += 1
            let sentAt = ContinuousClock.now
            var answer = Answer(
                node: node, status: nil, problemType: nil, contentType: nil, messageID: nil, sentAt: sentAt, answeredAt: sentAt)
            do {
                let reply = try await cluster.api(node).send(
                    .POST, "/v1/conversations/\(writer.conversationID)/messages", token: writer.token,
                    json: ContactsAPI.json(["text": "message \(n) of writer \(offset)"]),
                    headers: [("Idempotency-Key", UUID().uuidString)])
                answer = Answer(
                    node: node, status: reply.status, problemType: reply.json["type"] as? String,
                    contentType: reply.headers.first(name: "content-type"),
                    messageID: reply.status == 201 ? reply.json["id"] as? String : nil, sentAt: sentAt, answeredAt: .now)
            } catch {
                answer = Answer(
                    node: node, status: nil, problemType: "\(error) (conversation \(writer.conversationID), sent \(Date()) - \(ContinuousClock.now - sentAt))",
                    contentType: nil, messageID: nil, sentAt: sentAt, answeredAt: .now)
            }
            answers.withLockedValue { $0.append(answer) }
            try? await Task.sleep(for: interval)
        }
    }
}
