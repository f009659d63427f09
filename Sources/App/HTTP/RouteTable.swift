import Hummingbird
import Synchronization

/// The registered routes, so that a path known under another method answers 405
/// (Hummingbird's router answers 404 for both).
final class RouteTable: Sendable {
    private let routes = Mutex<[(segments: [String], method: HTTPRequest.Method)]>([])

    func register(_ descriptions: [(path: String, method: HTTPRequest.Method)]) {
        let parsed = descriptions.map { (Self.segments(of: $0.path), $0.method) }
        routes.withLock { $0 = parsed }
    }

    /// The methods registered for routes matching `path`.
    func methods(matching path: String) -> [HTTPRequest.Method] {
        let requested = Self.segments(of: path)
        return routes.withLock { routes in
            routes.filter { Self.matches($0.segments, requested) }.map(\.method)
        }
    }

    private static func segments(of path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }

    private static func matches(_ pattern: [String], _ path: [String]) -> Bool {
        guard pattern.count == path.count else { return false }
        return zip(pattern, path).allSatisfy { pattern, segment in
            pattern.hasPrefix(":") || pattern.hasPrefix("{") || pattern == "*" || pattern == segment
        }
    }
}
