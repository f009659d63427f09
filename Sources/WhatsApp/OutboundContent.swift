/// What an outbound message says.
public enum OutboundContent: Sendable, Equatable {
    /// Free-form text; only deliverable inside the 24-hour customer-service window.
    /// The body is at most 4096 characters: callers validate, the adapter sends as given.
    case text(String)
    /// An approved template, allowed outside the window. `parameters` fill the body
    /// component's `{{1}}`, `{{2}}`, ... in order; with none, no components are sent.
    case template(name: String, language: String, parameters: [String])
}
