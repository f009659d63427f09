import Foundation

/// Reads an answer to a send: the wamid of a success, or the `error` object of a
/// failure (PROVIDERS.md §1.2), into a `SendOutcome`.
enum GraphAnswer {
    static func outcome(httpStatus: Int, body: [UInt8]) -> SendOutcome {
        let object = JSONField.object(try? JSONSerialization.jsonObject(with: Data(body)))
        if (200..<300).contains(httpStatus) {
            let messages = JSONField.objects(object?["messages"])
            if let wamid = messages.first.flatMap({ JSONField.string($0["id"]) }), !wamid.isEmpty {
                return .accepted(wamid: wamid)
            }
            // Graph said yes without a message id: nothing to track delivery by, and a
            // retry could send twice, so it is not retried.
            return .rejected(
                GraphError(httpStatus: httpStatus, code: nil, title: "The success answer had no message id: \(snippet(body))"))
        }
        return GraphErrorCodes.outcome(for: error(httpStatus: httpStatus, object: object, body: body))
    }

    static func error(httpStatus: Int, object: [String: Any]?, body: [UInt8]) -> GraphError {
        guard let error = JSONField.object(object?["error"]) else {
            return GraphError(httpStatus: httpStatus, code: nil, title: "Unexpected answer: \(snippet(body))")
        }
        let details = JSONField.string(JSONField.object(error["error_data"])?["details"])
        return GraphError(
            httpStatus: httpStatus, code: JSONField.int(error["code"]),
            title: JSONField.string(error["message"]) ?? JSONField.string(error["error_user_msg"]) ?? "Graph API error",
            details: details)
    }

    /// The start of a body that is not Graph JSON (an HTML error page, say), on one line.
    static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? "(empty body)" : text
    }
}
