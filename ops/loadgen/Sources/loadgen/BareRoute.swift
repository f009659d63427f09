import NIOCore
import NIOHTTP1

/// `GET /health/live` (no authentication, no database) as a `WebhookDriver` flavor:
/// the baseline a webhook step's latencies are read against, measured at the same
/// rate on the same connections in the same run.
final class BareRoute: WebhookFlavor {
    static let path = "/health/live"

    var method: HTTPMethod { .GET }

    func request(step: Int, index: Int, n: Int) -> (headers: [(String, String)], body: ByteBuffer) { ([], ByteBuffer()) }

    func receipt(in message: UnsafeRawBufferPointer) -> (step: Int, index: Int)? { nil }

    func isEvent(_ message: UnsafeRawBufferPointer) -> Bool { false }

    func figures(step: Int) -> [String: Any] { [:] }
}
