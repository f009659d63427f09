import Foundation
import Hummingbird
import NIOCore

/// How the Graph stand-in checks a send body (PROVIDERS.md §1.1) and words its
/// answers (§1.1 success, §1.2 errors).
extension GraphStandIn {
    struct Answer: Sendable {
        let status: Int
        let wamid: String?
        let code: Int?
        let body: String

        static func accepted(wamid: String, to: String, template: Bool) -> Answer {
            // `message_status` comes back on template sends only.
            let message: [String: Any] = template ? ["id": wamid, "message_status": "accepted"] : ["id": wamid]
            let body: [String: Any] = [
                "messaging_product": "whatsapp", "contacts": [["input": to, "wa_id": to]], "messages": [message],
            ]
            return Answer(status: 200, wamid: wamid, code: nil, body: json(body))
        }

        static func error(_ status: Int, code: Int, message: String, details: String? = nil) -> Answer {
            var error: [String: Any] = [
                "message": message, "type": "OAuthException", "code": code,
                "fbtrace_id": "AstandinTrace",
            ]
            if let details { error["error_data"] = ["messaging_product": "whatsapp", "details": details] }
            return Answer(status: status, wamid: nil, code: code, body: json(["error": error]))
        }

        init(status: Int, wamid: String?, code: Int?, body: String) {
            self.status = status
            self.wamid = wamid
            self.code = code
            self.body = body
        }

        var response: Response {
            let isJSON = body.hasPrefix("{")
            return Response(
                status: .init(code: status), headers: [.contentType: isJSON ? "application/json; charset=UTF-8" : "text/html"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }

        private static func json(_ object: [String: Any]) -> String {
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    enum Check {
        case valid(to: String, isTemplate: Bool)
        case invalid(Answer)
    }

    /// Checks a send body as strictly as PROVIDERS.md §1.1 describes it.
    static func check(_ body: [UInt8]) -> Check {
        func invalid(_ message: String, code: Int = 100, details: String? = nil) -> Check {
            .invalid(.error(400, code: code, message: message, details: details))
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return invalid("(#100) Invalid JSON for postcard")
        }
        guard object["messaging_product"] as? String == "whatsapp" else {
            return invalid("(#100) The parameter messaging_product is required.")
        }
        if let recipientType = object["recipient_type"], recipientType as? String != "individual" {
            return invalid("(#100) Param recipient_type must be one of {INDIVIDUAL, GROUP} - got \"\(recipientType)\".")
        }
        guard let to = object["to"] as? String, (7...15).contains(to.count), to.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return invalid(
                "(#131009) Parameter value is not valid", code: 131009, details: "The parameter to must be the recipient's digits.")
        }
        switch object["type"] as? String {
        case "text":
            guard let text = object["text"] as? [String: Any], let body = text["body"] as? String, !body.isEmpty else {
                return invalid("(#100) The parameter text['body'] is required.")
            }
            guard body.count <= 4096 else {
                return invalid("(#100) Param text['body'] must be at most 4096 characters long.")
            }
            if let preview = text["preview_url"], !(preview is Bool) {
                return invalid("(#100) Param text['preview_url'] must be a boolean.")
            }
            return .valid(to: to, isTemplate: false)
        case "template":
            guard let template = object["template"] as? [String: Any], let name = template["name"] as? String, !name.isEmpty
            else { return invalid("(#100) The parameter template['name'] is required.") }
            guard let language = template["language"] as? [String: Any], let code = language["code"] as? String, !code.isEmpty
            else { return invalid("(#100) The parameter template['language']['code'] is required.") }
            if let problem = componentProblem(template["components"]) {
                return invalid("(#131009) Parameter value is not valid", code: 131009, details: problem)
            }
            return .valid(to: to, isTemplate: true)
        default:
            return invalid("(#100) Param type must be one of {TEXT, TEMPLATE, IMAGE, AUDIO, VIDEO, DOCUMENT, ...}.")
        }
    }

    /// Components are optional; when present each needs a known type and text
    /// parameters need their text.
    private static func componentProblem(_ value: Any?) -> String? {
        guard let value else { return nil }
        guard let components = value as? [[String: Any]], !components.isEmpty else {
            return "template['components'] must be a non-empty array of objects."
        }
        for component in components {
            guard let type = component["type"] as? String, ["header", "body", "button"].contains(type) else {
                return "Each component needs a type of header, body or button."
            }
            for parameter in component["parameters"] as? [[String: Any]] ?? [] {
                if parameter["type"] as? String == "text", (parameter["text"] as? String ?? "").isEmpty {
                    return "A text parameter of the \(type) component has no text."
                }
            }
        }
        return nil
    }
}
