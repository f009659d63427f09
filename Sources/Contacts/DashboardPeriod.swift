import Foundation

/// A dashboard period split the way its counts are kept: the whole UTC hours inside
/// it, read from the hourly rollups, and the partial hours at its ends, counted from
/// the tables themselves.
struct DashboardPeriod: Equatable {
    /// `[first, end)`: the start of the first whole hour and the end of the last;
    /// nil when no whole hour fits.
    let hours: (first: Date, end: Date)?
    /// The parts of the period outside those hours: none, one or two ranges.
    let edges: [Range<Date>]

    static func == (lhs: DashboardPeriod, rhs: DashboardPeriod) -> Bool {
        lhs.hours?.first == rhs.hours?.first && lhs.hours?.end == rhs.hours?.end && lhs.edges == rhs.edges
    }

    init(from: Date, to: Date) {
        let hour: TimeInterval = 3_600
        // UTC hours start at multiples of 3,600 s since the epoch (no leap seconds in Unix time).
        let firstWhole = Date(timeIntervalSince1970: (from.timeIntervalSince1970 / hour).rounded(.up) * hour)
        let endWhole = Date(timeIntervalSince1970: (to.timeIntervalSince1970 / hour).rounded(.down) * hour)
        guard firstWhole < endWhole else {
            hours = nil
            edges = from < to ? [from..<to] : []
            return
        }
        hours = (firstWhole, endWhole)
        edges = [from..<firstWhole, endWhole..<to].filter { !$0.isEmpty }
    }
}
