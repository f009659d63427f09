/// Which Graph error codes are worth retrying (PROVIDERS.md §1.2 table).
///
/// PROVIDERS says to branch on `error.code`, not the HTTP status, because Meta's
/// pairing of the two is unconfirmed. So an answer with a code is judged by its
/// code alone; only an answer without one falls back to the status.
enum GraphErrorCodes {
    /// Temporary on Meta's side or a limit that lifts with time.
    static let retryable: Set<Int> = [
        1,  // API unknown: "possible server error", Meta says retry later
        2,  // API service: temporary downtime
        4,  // application request limit reached
        17,  // user request limit reached
        341,  // application limit reached
        80007,  // WABA rate limit
        130429,  // Cloud API throughput reached
        131000,  // "something went wrong": generic, Meta-side
        131016,  // service unavailable
        // Spam and pair rate limits: the same message is fine once the limit lifts, so
        // it is retried with backoff rather than lost. A queue that keeps hitting them
        // needs a human, which its retry limit already provides.
        131048,  // spam rate limit
        131056,  // too many messages to the same recipient in a short time
    ]

    /// Statuses that mean "try later" when the answer carries no Graph code:
    /// 408 and 429 from a proxy or Meta's edge, and any 5xx (an HTML error page).
    static func isRetryable(httpStatus: Int) -> Bool {
        httpStatus == 408 || httpStatus == 429 || (500...599).contains(httpStatus)
    }

    /// The outcome for a non-2xx answer: its code if it has one, else its status.
    static func outcome(for error: GraphError) -> SendOutcome {
        if let code = error.code {
            return retryable.contains(code) ? .retryable(error) : .rejected(error)
        }
        if let status = error.httpStatus, !isRetryable(httpStatus: status) {
            return .rejected(error)
        }
        return .retryable(error)
    }
}
