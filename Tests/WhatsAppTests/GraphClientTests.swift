import Foundation
import Logging
import Testing

@testable import WhatsApp

@Suite("Sending through the Graph API")
struct GraphClientTests {
    static let logger = {
        var logger = Logger(label: "whatsapp-tests")
        logger.logLevel = .error  // the adapter's notices about scripted failures are expected here
        return logger
    }()
    static let accepted =
        #"{"messaging_product":"whatsapp","contacts":[{"input":"919812345678","wa_id":"919812345678"}],"messages":[{"id":"wamid.HBgMOK"}]}"#

    static func credentials(_ graph: ScriptedGraph) -> GraphCredentials {
        GraphCredentials(baseURL: graph.baseURL + "/", phoneNumberID: "106540352242922", accessToken: "EAAtoken")
    }

    /// Sends `content` to a server that answers `reply`, returning the outcome and what arrived.
    static func send(
        _ content: OutboundContent = .text("hi"), to recipient: String = "+919812345678", answering reply: ScriptedGraph.Reply
    ) async throws -> (SendOutcome, ScriptedGraph.Received?) {
        try await ScriptedGraph([reply]).run { graph in
            let outcome = await GraphClient().send(content, to: recipient, credentials: credentials(graph), logger: logger)
            return (outcome, graph.received.first)
        }
    }

    @Test("a text message is POSTed with the token, as PROVIDERS.md §1.1 shows, to digits only")
    func textRequest() async throws {
        let (outcome, received) = try await Self.send(
            .text("Namaste \"Asha\" / ₹500\nsee https://x.in"), to: "+91 98123-45678", answering: .init(status: 200, body: Self.accepted))
        #expect(outcome == .accepted(wamid: "wamid.HBgMOK"))
        let request = try #require(received)
        #expect(request.path == "/v21.0/106540352242922/messages")
        #expect(request.authorization == "Bearer EAAtoken")
        #expect(request.contentType == "application/json")
        #expect(
            request.text
                == #"{"messaging_product":"whatsapp","recipient_type":"individual","text":{"body":"Namaste \"Asha\" / ₹500\nsee https://x.in","preview_url":false},"to":"919812345678","type":"text"}"#
        )
    }

    @Test("a template sends its parameters as body text parameters in order")
    func templateRequest() async throws {
        let (outcome, received) = try await Self.send(
            .template(name: "order_update", language: "en_US", parameters: ["Asha", "#42"]),
            answering: .init(
                status: 200, body: Self.accepted.replacingOccurrences(of: #""}]}"#, with: #"","message_status":"accepted"}]}"#)))
        #expect(outcome == .accepted(wamid: "wamid.HBgMOK"))
        #expect(
            received?.text
                == ##"{"messaging_product":"whatsapp","recipient_type":"individual","template":{"components":[{"parameters":[{"text":"Asha","type":"text"},{"text":"#42","type":"text"}],"type":"body"}],"language":{"code":"en_US"},"name":"order_update"},"to":"919812345678","type":"template"}"##
        )
    }

    @Test("a template without parameters has no components at all")
    func templateWithoutParameters() async throws {
        let (_, received) = try await Self.send(
            .template(name: "hello_world", language: "en_US", parameters: []), answering: .init(status: 200, body: Self.accepted))
        #expect(
            received?.text
                == #"{"messaging_product":"whatsapp","recipient_type":"individual","template":{"language":{"code":"en_US"},"name":"hello_world"},"to":"919812345678","type":"template"}"#
        )
    }

    static func graphError(_ code: Int, _ message: String, details: String? = nil) -> String {
        let data = details.map { #","error_data":{"messaging_product":"whatsapp","details":"\#($0)"}"# } ?? ""
        return #"{"error":{"message":"\#(message)","type":"OAuthException","code":\#(code)\#(data),"fbtrace_id":"AbC"}}"#
    }

    @Test(
        "answers are classified by error code, and by status only when there is no code",
        arguments: [
            (
                429, graphError(130429, "(#130429) Rate limit hit"),
                SendOutcome.retryable(.init(httpStatus: 429, code: 130429, title: "(#130429) Rate limit hit"))
            ),
            (
                400, graphError(4, "(#4) Application request limit reached"),
                .retryable(.init(httpStatus: 400, code: 4, title: "(#4) Application request limit reached"))
            ),
            (
                400, graphError(80007, "(#80007) Rate limit issues"),
                .retryable(.init(httpStatus: 400, code: 80007, title: "(#80007) Rate limit issues"))
            ),
            (
                500, graphError(131000, "Something went wrong"),
                .retryable(.init(httpStatus: 500, code: 131000, title: "Something went wrong"))
            ),
            (
                503, graphError(131016, "Service unavailable"),
                .retryable(.init(httpStatus: 503, code: 131016, title: "Service unavailable"))
            ),
            (
                400, graphError(131056, "(#131056) Pair rate limit hit"),
                .retryable(.init(httpStatus: 400, code: 131056, title: "(#131056) Pair rate limit hit"))
            ),
            (
                400, graphError(131047, "Re-engagement message", details: "More than 24 hours have passed"),
                .rejected(.init(httpStatus: 400, code: 131047, title: "Re-engagement message", details: "More than 24 hours have passed"))
            ),
            (
                400, graphError(100, "(#100) Invalid parameter"),
                .rejected(.init(httpStatus: 400, code: 100, title: "(#100) Invalid parameter"))
            ),
            (
                401, graphError(190, "Error validating access token"),
                .rejected(.init(httpStatus: 401, code: 190, title: "Error validating access token"))
            ),
            (
                404, graphError(132001, "(#132001) Template name does not exist"),
                .rejected(.init(httpStatus: 404, code: 132001, title: "(#132001) Template name does not exist"))
            ),
            // A 5xx whose code says the request itself is bad will fail the same way again.
            (
                500, graphError(100, "(#100) Invalid parameter"),
                .rejected(.init(httpStatus: 500, code: 100, title: "(#100) Invalid parameter"))
            ),
            // A code sent as a string still counts.
            (
                400, #"{"error":{"message":"Throughput","code":"130429"}}"#,
                .retryable(.init(httpStatus: 400, code: 130429, title: "Throughput"))
            ),
            (429, "Too Many Requests", .retryable(.init(httpStatus: 429, code: nil, title: "Unexpected answer: Too Many Requests"))),
            (
                503, "<html>\n<body>Service Unavailable</body>\n</html>",
                .retryable(.init(httpStatus: 503, code: nil, title: "Unexpected answer: <html> <body>Service Unavailable</body> </html>"))
            ),
            (502, "", .retryable(.init(httpStatus: 502, code: nil, title: "Unexpected answer: (empty body)"))),
            (
                400, "<html>Bad Request</html>",
                .rejected(.init(httpStatus: 400, code: nil, title: "Unexpected answer: <html>Bad Request</html>"))
            ),
            (404, #"{"unexpected":true}"#, .rejected(.init(httpStatus: 404, code: nil, title: #"Unexpected answer: {"unexpected":true}"#))),
            (
                200, #"{"messaging_product":"whatsapp","messages":[]}"#,
                .rejected(
                    .init(
                        httpStatus: 200, code: nil,
                        title: #"The success answer had no message id: {"messaging_product":"whatsapp","messages":[]}"#))
            ),
        ])
    func classification(status: Int, body: String, expected: SendOutcome) async throws {
        let (outcome, _) = try await Self.send(answering: .init(status: status, body: body))
        #expect(outcome == expected)
    }

    @Test("nothing listening is retryable, with no status or code")
    func connectionRefused() async throws {
        // Find a free port by running a server on it, then send after it has stopped.
        let graph = ScriptedGraph([])
        let credentials = try await graph.run { Self.credentials($0) }
        // AsyncHTTPClient keeps retrying a refused connect until the deadline, so keep it short.
        let outcome = await GraphClient(timeout: .seconds(1)).send(
            .text("hi"), to: "+919812345678", credentials: credentials, logger: Self.logger)
        guard case .retryable(let error) = outcome else {
            Issue.record("expected retryable, got \(outcome)")
            return
        }
        #expect(error.httpStatus == nil && error.code == nil)
        #expect(error.title.hasPrefix("The Graph API could not be reached"))
    }

    @Test("no answer after the request went out is rejected, not retried: Graph may have the message and a retry could send it twice")
    func timeout() async throws {
        let outcome = try await ScriptedGraph([.init(status: 200, body: Self.accepted, delay: .seconds(3))]).run { graph in
            await GraphClient(timeout: .milliseconds(300)).send(
                .text("hi"), to: "+919812345678", credentials: Self.credentials(graph), logger: Self.logger)
        }
        guard case .rejected(let error) = outcome else {
            Issue.record("expected rejected, got \(outcome)")
            return
        }
        #expect(error.httpStatus == nil && error.code == nil)
        #expect(error.title.contains("not retried"))
    }

    @Test("a recipient without digits is rejected without a request")
    func noDigits() async throws {
        let graph = ScriptedGraph([])
        let outcome = try await graph.run { graph in
            await GraphClient().send(.text("hi"), to: "+", credentials: Self.credentials(graph), logger: Self.logger)
        }
        #expect(outcome == .rejected(.init(httpStatus: nil, code: nil, title: "The recipient has no phone number digits.")))
        #expect(graph.received.isEmpty)
    }

    @Test("the base URL may end in a slash; odd characters in path segments are escaped")
    func url() {
        let credentials = GraphCredentials(
            baseURL: "http://127.0.0.1:8080//", apiVersion: "v24.0", phoneNumberID: "1065/../x y", accessToken: "t")
        #expect(credentials.messagesURL == "http://127.0.0.1:8080/v24.0/1065%2F..%2Fx%20y/messages")
        #expect(GraphCredentials(phoneNumberID: "1", accessToken: "t").messagesURL == "https://graph.facebook.com/v21.0/1/messages")
    }
}
