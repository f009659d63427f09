/// A Razorpay API error (PROVIDERS 2.7) or a transport failure (httpStatus nil).
public struct RazorpayError: Error, Sendable, Equatable {
    public var httpStatus: Int?
    /// `BAD_REQUEST_ERROR`, `GATEWAY_ERROR`, `SERVER_ERROR`; nil when the body was not Razorpay's error shape.
    public var code: String?
    public var description: String
    /// The request field at fault, e.g. `amount`.
    public var field: String?
    /// Razorpay's machine-readable reason, e.g. `input_validation_failed`.
    public var reason: String?
    /// Whether Razorpay may not have acted (transport failure, 5xx, 429): the caller may retry with the same idempotency key.
    public var isRetryable: Bool

    public init(httpStatus: Int?, code: String?, description: String, field: String? = nil, reason: String? = nil, isRetryable: Bool) {
        self.httpStatus = httpStatus
        self.code = code
        self.description = description
        self.field = field
        self.reason = reason
        self.isRetryable = isRetryable
    }

    /// The request never got a complete answer: refused, reset, timed out. Razorpay may or may not have acted.
    static func transport(_ error: any Error) -> RazorpayError {
        RazorpayError(httpStatus: nil, code: nil, description: "Razorpay unreachable: \(error)", isRetryable: true)
    }

    /// A non-2xx answer. 5xx and 429 may not have been acted on; 409 means the same
    /// idempotency key is still being processed (§2.6), so asking again later is right too.
    static func response(status: Int, body: [UInt8]) -> RazorpayError {
        let retryable = status >= 500 || status == 429 || status == 409
        guard case .object(let root)? = try? JSONValue.parse(body), case .object(let error)? = root["error"] else {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            return RazorpayError(
                httpStatus: status, code: nil, description: text.isEmpty ? "HTTP \(status)" : text, isRetryable: retryable)
        }
        return RazorpayError(
            httpStatus: status, code: error["code"]?.string, description: error["description"]?.string ?? "HTTP \(status)",
            field: error["field"]?.string, reason: error["reason"]?.string, isRetryable: retryable
        )
    }

    /// A 2xx whose body we could not read. Razorpay acted, so this is not retryable
    /// (except through an idempotency key, which returns the same result).
    static func unreadable(status: Int, what: String) -> RazorpayError {
        RazorpayError(httpStatus: status, code: nil, description: "unreadable \(what) in Razorpay's response", isRetryable: false)
    }
}
