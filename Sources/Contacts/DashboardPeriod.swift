import Foundation

/// A dashboard period split the way its counts are kept: the whole UTC days inside
/// it, read from the day rollups, and the partial days at its ends, counted from the
/// tables themselves.
struct DashboardPeriod: Equatable {
    /// `[first, end)`: the UTC midnights that start the first whole day and end the
    /// last; nil when no whole day fits.
    let days: (first: Date, end: Date)?
    /// The parts of the period outside those days: none, one or two ranges.
    let edges: [Range<Date>]

    static func == (lhs: DashboardPeriod, rhs: DashboardPeriod) -> Bool {
        lhs.days?.first == rhs.days?.first && lhs.days?.end == rhs.days?.end && lhs.edges == rhs.edges
    }

    init(from: Date, to: Date) {
        let day: TimeInterval = 86_400
        // UTC days start at multiples of 86,400 s since the epoch (no leap seconds in Unix time).
        let firstWhole = Date(timeIntervalSince1970: (from.timeIntervalSince1970 / day).rounded(.up) * day)
        let endWhole = Date(timeIntervalSince1970: (to.timeIntervalSince1970 / day).rounded(.down) * day)
        guard firstWhole < endWhole else {
            days = nil
            edges = from < to ? [from..<to] : []
            return
        }
        days = (firstWhole, endWhole)
        edges = [from..<firstWhole, endWhole..<to].filter { !$0.isEmpty }
    }

    /// Both ends as ranges, an absent one empty, so a statement over a period has one
    /// shape whatever the period.
    var bothEdges: [Range<Date>] { edges + Array(repeating: Self.nowhere, count: 2 - edges.count) }

    /// No whole day (`day >= first AND day < end` holds for none).
    static let noDays = (first: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 0))
    /// No time at all.
    static let nowhere = Date(timeIntervalSince1970: 0)..<Date(timeIntervalSince1970: 0)
    /// Any period with whole days: what the statements' text is made from.
    static let shape = DashboardPeriod(from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSince1970: 86_400 * 3 - 1))
}
