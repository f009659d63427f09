/// A Graph API error answer (PROVIDERS.md §1.2), or a transport failure, in which
/// case `httpStatus` and `code` are both nil and `title` describes what went wrong.
public struct GraphError: Error, Sendable, Equatable {
    /// The HTTP status of the answer; nil when there was none.
    public var httpStatus: Int?
    /// `error.code`, the field to branch on; nil when the answer carried none.
    public var code: Int?
    /// `error.message`, or a description of the transport failure or unreadable answer.
    public var title: String
    /// `error.error_data.details`, Meta's longer explanation, when present.
    public var details: String?

    public init(httpStatus: Int?, code: Int?, title: String, details: String? = nil) {
        self.httpStatus = httpStatus
        self.code = code
        self.title = title
        self.details = details
    }
}

extension GraphError: CustomStringConvertible {
    public var description: String {
        var parts: [String] = []
        parts.append(httpStatus.map { "HTTP \($0)" } ?? "no response")
        if let code { parts.append("code \(code)") }
        parts.append(title)
        if let details { parts.append("(\(details))") }
        return "Graph API: " + parts.joined(separator: " ")
    }
}
