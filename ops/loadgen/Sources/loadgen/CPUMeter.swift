/// CPU time of the processes under test between two readings, in cores (Linux /proc).
struct CPUMeter {
    let nodePIDs: [Int32]
    let postgresPID: Int32?
    let livekitPID: Int32?

    struct Reading {
        var nodes: [Double]
        var postgres: Double
        var livekit: Double
        var loadgen: Double
        var machine: Double
        var at: Double
    }

    func read() -> Reading {
        Reading(
            nodes: nodePIDs.map(Proc.cpu), postgres: postgresPID.map(Proc.cpuWithChildren) ?? 0,
            livekit: livekitPID.map(Proc.cpu) ?? 0, loadgen: Proc.cpu(Proc.selfPID), machine: Proc.machine().busy,
            at: monoSeconds())
    }

    /// Cores each used from `a` to `b`; "others" is whatever else ran on the machine
    /// (other sessions' builds and tests), kernel time included.
    func use(from a: Reading, to b: Reading) -> [String: Any] {
        let wall = max(b.at - a.at, 1e-9)
        func r(_ x: Double) -> Double { (x / wall * 100).rounded() / 100 }
        let nodes = zip(a.nodes, b.nodes).map { $1 - $0 }
        let ours = nodes.reduce(0, +) + (b.postgres - a.postgres) + (b.livekit - a.livekit) + (b.loadgen - a.loadgen)
        return [
            "nodes_cores": nodes.map(r), "postgres_cores": r(b.postgres - a.postgres), "livekit_cores": r(b.livekit - a.livekit),
            "loadgen_cores": r(b.loadgen - a.loadgen), "machine_cores": r(b.machine - a.machine),
            "other_cores": r((b.machine - a.machine) - ours), "seconds": (wall * 10).rounded() / 10,
            "load_average_1m": Proc.loadAverage(),
        ]
    }
}
