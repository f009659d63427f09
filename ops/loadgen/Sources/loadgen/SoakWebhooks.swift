import NIOCore

/// Signed WhatsApp inbound-text webhooks at a steady rate for the whole soak (`loadgen
/// soak`), to the nodes in turn over keep-alive connections, as Meta sends them. The
/// bodies and signatures are `WhatsAppWebhooks`' (step 0, webhook n); each acknowledged
/// one should reach every staff client as a `chat.message`. Touched only on `loop`.
final class SoakWebhooks: @unchecked Sendable {
    let loop: EventLoop
    let pools: [SourcedHTTPPool]
    let path: String
    let flavor: WhatsAppWebhooks
    let rate: Double
    let tally: SoakTally

    /// Per webhook sent: whether it was acknowledged with 200.
    private(set) var acknowledged: [Bool] = []
    private var ticker: RepeatedTask?

    init(loop: EventLoop, pools: [SourcedHTTPPool], path: String, flavor: WhatsAppWebhooks, rate: Double, tally: SoakTally) {
        self.loop = loop
        self.pools = pools
        self.path = path
        self.flavor = flavor
        self.rate = rate
        self.tally = tally
    }

    func start() {
        guard rate > 0 else { return }
        ticker = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .nanoseconds(Int64(1e9 / rate))) { _ in self.send() }
    }

    func stop() {
        ticker?.cancel()
        ticker = nil
    }

    var sent: Int { acknowledged.count }

    private func send() {
        let n = acknowledged.count
        acknowledged.append(false)
        let node = n % pools.count
        let (headers, body) = flavor.request(step: 0, index: n, n: n)
        tally.webhookSent(node)
        pools[node].post(path: path, headers: headers, body: body).whenComplete { result in
            switch result {
            case .success(let answer):
                self.tally.request(node, "POST webhook", status: answer.status, ok: answer.status == 200)
                if answer.status == 200 {
                    self.acknowledged[n] = true
                    self.tally.webhookAcknowledged(node)
                }
            case .failure(let error):
                self.tally.error(node, "POST webhook: \(error)")
            }
        }
    }
}
