/// Latency figures in milliseconds from nanosecond samples.
struct Distribution: Encodable {
    var count: Int
    var p50: Double?
    var p90: Double?
    var p99: Double?
    var p999: Double?
    var max: Double?
    var min: Double?

    init(_ samples: [Int64]) {
        let sorted = samples.sorted()
        count = sorted.count
        func at(_ q: Double) -> Double? {
            guard !sorted.isEmpty else { return nil }
            let index = Swift.min(sorted.count - 1, Swift.max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))
            return Self.ms(sorted[index])
        }
        p50 = at(0.50)
        p90 = at(0.90)
        p99 = at(0.99)
        p999 = at(0.999)
        max = sorted.last.map(Self.ms)
        min = sorted.first.map(Self.ms)
    }

    static func ms(_ ns: Int64) -> Double { (Double(ns) / 1e6 * 1000).rounded() / 1000 }
}

extension Distribution {
    /// The figures as a JSON object (absent ones left out).
    var json: [String: Any] {
        var out: [String: Any] = ["count": count]
        for (key, value) in [("p50", p50), ("p90", p90), ("p99", p99), ("p999", p999), ("max", max), ("min", min)] {
            if let value { out[key] = value }
        }
        return out
    }
}
