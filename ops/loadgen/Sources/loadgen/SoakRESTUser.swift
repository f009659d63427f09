import Foundation
import NIOCore

/// One staff member using the API at a human pace (`loadgen soak`), over connections that
/// do not last: each carries a random 1...`perConnection` requests, then the user hangs up
/// and dials the other node. One request at a time, a random pause between them.
///
/// The mix: reads (GET /v1/me, GET /v1/contacts, GET /v1/conversations) and writes
/// (POST /v1/contacts with a phone number nobody else uses, POST /v1/contacts/{id}/notes
/// on a contact this user made). Touched only on `loop`.
final class SoakRESTUser: @unchecked Sendable {
    let index: Int
    let account: SoakAccount
    let targets: [(host: String, port: Int)]
    let loop: EventLoop
    let tally: SoakTally
    /// Seconds between one answer and the next request.
    let pause: ClosedRange<Double>
    let perConnection: Int

    private var node: Int
    private var connection: HTTPConnection?
    private var left = 0
    private var made = 0
    /// The latest contacts this user made (notes go on them).
    private var contacts: [String] = []
    private var stopped = false

    init(index: Int, account: SoakAccount, targets: [(host: String, port: Int)], loop: EventLoop, tally: SoakTally,
         pause: ClosedRange<Double>, perConnection: Int) {
        self.index = index
        self.account = account
        self.targets = targets
        self.loop = loop
        self.tally = tally
        self.pause = pause
        self.perConnection = max(1, perConnection)
        self.node = index % targets.count
    }

    func start() { later() }

    func stop() {
        stopped = true
        connection?.channel.close(promise: nil)
        connection = nil
    }

    private func later() {
        guard !stopped else { return }
        loop.scheduleTask(in: .milliseconds(Int64(Double.random(in: pause) * 1000))) { self.next() }
    }

    private func next() {
        guard !stopped else { return }
        if let connection, left > 0, connection.isActive {
            send(on: connection)
            return
        }
        connection?.channel.close(promise: nil)
        connection = nil
        node = (node + 1) % targets.count
        let node = self.node
        tally.restConnection(node)
        HTTPConnection.connect(on: loop, host: targets[node].host, port: targets[node].port).whenComplete { result in
            switch result {
            case .success(let opened):
                guard !self.stopped else { opened.channel.close(promise: nil); return }
                self.connection = opened
                self.left = Int.random(in: 1...self.perConnection)
                self.send(on: opened)
            case .failure(let error):
                self.tally.error(node, "REST connect: \(error)")
                self.later()
            }
        }
    }

    private func send(on connection: HTTPConnection) {
        left -= 1
        let node = self.node
        let (kind, request) = nextRequest()
        connection.send(request).whenComplete { result in
            switch result {
            case .success(let answer):
                let ok = (200..<300).contains(answer.status)
                self.tally.request(node, kind, status: answer.status, ok: ok)
                if ok, kind == "POST /v1/contacts", let id = Self.id(in: answer.body) {
                    self.contacts.append(id)
                    if self.contacts.count > 20 { self.contacts.removeFirst() }
                }
            case .failure(let error):
                self.tally.error(node, "\(kind): \(error)")
                self.left = 0  // a fresh connection next time
            }
            self.later()
        }
    }

    /// 35% GET /v1/me, 25% GET /v1/contacts, 10% GET /v1/conversations, 20% POST
    /// /v1/contacts, 10% a note (a new contact instead while this user has none).
    private func nextRequest() -> (String, HTTPRequest) {
        let auth = [("Authorization", "Bearer \(account.accessToken)")]
        switch Int.random(in: 0..<100) {
        case 0..<35:
            return ("GET /v1/me", HTTPRequest(method: .GET, path: "/v1/me", headers: auth, body: nil))
        case 35..<60:
            return ("GET /v1/contacts", HTTPRequest(method: .GET, path: "/v1/contacts?limit=20", headers: auth, body: nil))
        case 60..<70:
            return ("GET /v1/conversations",
                    HTTPRequest(method: .GET, path: "/v1/conversations?limit=20", headers: auth, body: nil))
        case 90..<100 where !contacts.isEmpty:
            let id = contacts.randomElement()!
            let body = SoakAccount.json(["body": "Soak note \(made) from user \(index): called back, left a message."])
            return ("POST /v1/contacts/{id}/notes",
                    HTTPRequest(method: .POST, path: "/v1/contacts/\(id)/notes", headers: auth, body: body))
        default:
            made += 1
            // +91 97UU NNNNNN: user UU's contact NNNNNN, unique within the run; WhatsApp
            // senders are +91 9800..., so no webhook lands on these contacts.
            let phone = "+9197" + Self.digits(index % 100, 2) + Self.digits(made % 1_000_000, 6)
            let body = SoakAccount.json(["name": "Soak Lead \(index)-\(made)", "phone": phone, "source": "soak"])
            return ("POST /v1/contacts", HTTPRequest(method: .POST, path: "/v1/contacts", headers: auth, body: body))
        }
    }

    static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    static func id(in body: ByteBuffer) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        return object?["id"] as? String
    }
}
