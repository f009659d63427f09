/// A tenant's Razorpay API key pair (PROVIDERS.md §2.1) and where the API lives.
public struct RazorpayCredentials: Sendable, Equatable {
    /// The API root without a trailing slash; tests point it at a local stand-in (`http://127.0.0.1:PORT/v1`).
    public var baseURL: String
    /// `rzp_test_…` or `rzp_live_…`; also handed to Checkout.
    public var keyID: String
    /// Signs Checkout callbacks (§2.3); never leaves the server.
    public var keySecret: String

    public init(baseURL: String = RazorpayCredentials.defaultBaseURL, keyID: String, keySecret: String) {
        self.baseURL = baseURL
        self.keyID = keyID
        self.keySecret = keySecret
    }

    public static let defaultBaseURL = "https://api.razorpay.com/v1"

    /// `baseURL` + `path`, with exactly one slash between them.
    func url(_ path: String) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }
}

extension RazorpayCredentials: CustomStringConvertible {
    /// Leaves the secret out, so a credentials value in a log line leaks nothing.
    public var description: String { "RazorpayCredentials(baseURL: \(baseURL), keyID: \(keyID))" }
}
