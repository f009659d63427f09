/// What became of one send, decided so that the send queue only has to act on it.
public enum SendOutcome: Sendable, Equatable {
    /// Graph took the message; delivery is reported later by status webhooks.
    case accepted(wamid: String)
    /// Retrying cannot help: a bad request, bad credentials, an unapproved template,
    /// a recipient outside the 24-hour window (131047), or an unreadable success.
    case rejected(GraphError)
    /// Worth trying again after a backoff: rate limits, Meta-side outages, or no
    /// answer at all. See `GraphErrorCodes` for which codes count.
    case retryable(GraphError)
}
