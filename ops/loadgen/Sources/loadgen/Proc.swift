import Foundation

/// Readings from /proc for the processes under test (Linux only).
enum Proc {
    /// VmRSS of `pid` in bytes.
    static func rss(_ pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if parts.count >= 2, let kb = Int(parts[1]) { return kb * 1024 }
        }
        return nil
    }

    /// (ppid, user+system CPU seconds) of `pid`.
    static func stat(_ pid: Int32) -> (ppid: Int32, cpu: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state ppid ... utime(14) stime(15), counted from 1.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let ppid = Int32(fields[1]), let user = Double(fields[11]), let system = Double(fields[12]) else {
            return nil
        }
        return (ppid, (user + system) / Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    static func cpu(_ pid: Int32) -> Double { stat(pid)?.cpu ?? 0 }

    /// cutime + cstime: CPU seconds of `pid`'s children that exited and were waited for.
    static func reapedChildrenCPU(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 15, let user = Double(fields[13]), let system = Double(fields[14]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU seconds of `pid` and its children, live and exited (PostgreSQL's postmaster
    /// and backends: an exited backend's time moves to the postmaster's cutime/cstime).
    static func cpuWithChildren(_ pid: Int32) -> Double {
        var total = cpu(pid) + reapedChildrenCPU(pid)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return total }
        for entry in entries {
            guard let child = Int32(entry), child != pid, let s = stat(child), s.ppid == pid else { continue }
            total += s.cpu
        }
        return total
    }

    static var selfPID: Int32 { getpid() }

    /// CPU seconds the whole machine spent busy (every process, all cores), from /proc/stat.
    static func machineBusy() -> Double { machine().busy }

    /// (busy, softirq) CPU seconds of the whole machine: softirq is mostly the kernel
    /// moving loopback packets, which no process is charged for.
    static func machine() -> (busy: Double, softirq: Double) {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first else { return (0, 0) }
        let values = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard values.count >= 8 else { return (0, 0) }
        let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
        // user nice system idle iowait irq softirq steal
        return ((values[0] + values[1] + values[2] + values[5] + values[6] + values[7]) / tick, values[6] / tick)
    }

    /// The 1-minute load average.
    static func loadAverage() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return 0 }
        return Double(text.split(separator: " ").first ?? "") ?? 0
    }
}
