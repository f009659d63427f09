/// Minor units written for people, e.g. 29500 INR → "INR 295.00". Integer
/// arithmetic only: money never passes through floating point.
enum MoneyText {
    static func format(_ minor: Int, currency: String) -> String {
        let sign = minor < 0 ? "-" : ""
        let magnitude = minor.magnitude
        let fraction = magnitude % 100
        return "\(currency) \(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
