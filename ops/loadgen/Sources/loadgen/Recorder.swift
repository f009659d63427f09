import NIOCore

/// What the clients on one event loop saw. Touched only on `loop`: handlers call it
/// from their channel callbacks, the driver reads it through `loop.submit`.
final class LoopRecorder: @unchecked Sendable {
    let loop: EventLoop
    /// One entry per event a client received: its sequence number, when (wall ns),
    /// and which node the client was connected to.
    private(set) var seqs: [Int32] = []
    private(set) var times: [Int64] = []
    private(set) var nodes: [UInt8] = []
    /// Clients (per node) that received at least one event since `resetAlive`.
    var alive: [Int] = []
    /// Connections that ended after being admitted, by node and reason ("4000", "eof", ...).
    var closes: [String: Int] = [:]
    var bytes = 0

    init(loop: EventLoop, nodes: Int) {
        self.loop = loop
        self.alive = Array(repeating: 0, count: nodes)
        seqs.reserveCapacity(1 << 20)
        times.reserveCapacity(1 << 20)
        self.nodes.reserveCapacity(1 << 20)
    }

    @inline(__always)
    func record(seq: Int32, at time: Int64, node: UInt8) {
        seqs.append(seq)
        times.append(time)
        nodes.append(node)
    }

    struct Snapshot: Sendable {
        var seqs: [Int32]
        var times: [Int64]
        var nodes: [UInt8]
        var alive: [Int]
        var closes: [String: Int]
        var bytes: Int
    }

    /// Takes what was recorded and starts afresh (closes and alive are cumulative).
    func drain() -> Snapshot {
        let snapshot = Snapshot(seqs: seqs, times: times, nodes: nodes, alive: alive, closes: closes, bytes: bytes)
        seqs.removeAll(keepingCapacity: true)
        times.removeAll(keepingCapacity: true)
        nodes.removeAll(keepingCapacity: true)
        bytes = 0
        return snapshot
    }
}
