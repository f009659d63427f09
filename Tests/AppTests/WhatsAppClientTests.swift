import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing
import WhatsApp

/// The WhatsApp adapter against the Graph stand-in, and the stand-in's webhooks
/// against the adapter's signature check and parser: no database involved.
@Suite("WhatsApp adapter against the Graph stand-in")
struct WhatsAppClientTests {
    static let logger = {
        var logger = Logger(label: "whatsapp-client-tests")
        logger.logLevel = .error  // the adapter's notices about scripted failures are expected here
        return logger
    }()
    static let phoneNumberID = "106540352242922"
    static let appSecret = "standin-app-secret"

    @Test("text and template sends are accepted with distinct wamids and recorded as sent")
    func accepted() async throws {
        try await GraphStandIn().run { graph in
            let client = GraphClient()
            let credentials = graph.credentials(phoneNumberID: Self.phoneNumberID)
            let text = await client.send(.text("hello"), to: "+919812345678", credentials: credentials, logger: Self.logger)
            let template = await client.send(
                .template(name: "order_update", language: "en_US", parameters: ["Asha", "#42"]), to: "+919812345678",
                credentials: credentials, logger: Self.logger)
            let sends = graph.sends
            #expect(sends.count == 2)
            let wamids = sends.compactMap(\.wamid)
            #expect([text, template] == wamids.map { SendOutcome.accepted(wamid: $0) })
            #expect(sends[0].wamid != sends[1].wamid)
            #expect(sends.map(\.path) == ["/v21.0/\(Self.phoneNumberID)/messages", "/v21.0/\(Self.phoneNumberID)/messages"])
            #expect(sends.map(\.authorization) == ["Bearer \(graph.accessToken)", "Bearer \(graph.accessToken)"])
            #expect(sends.map(\.to) == ["919812345678", "919812345678"])
            #expect(sends[0].type == "text" && sends[0].textBody == "hello")
            #expect(sends[1].templateName == "order_update" && sends[1].templateLanguage == "en_US")
            #expect(sends[1].templateParameters == ["Asha", "#42"])
        }
    }

    @Test("a wrong token is a 190 rejection; a registered number takes only its own token")
    func tokens() async throws {
        try await GraphStandIn().run { graph in
            graph.register(phoneNumberID: "2002", accessToken: "tenant-b-token")
            let client = GraphClient()
            let wrong = await client.send(
                .text("hi"), to: "+919812345678", credentials: graph.credentials(phoneNumberID: "1001", accessToken: "nope"),
                logger: Self.logger)
            let sharedOnB = await client.send(
                .text("hi"), to: "+919812345678", credentials: graph.credentials(phoneNumberID: "2002"), logger: Self.logger)
            let ownOnB = await client.send(
                .text("hi"), to: "+919812345678", credentials: graph.credentials(phoneNumberID: "2002", accessToken: "tenant-b-token"),
                logger: Self.logger)
            guard case .rejected(let error) = wrong, case .rejected(let errorB) = sharedOnB, case .accepted = ownOnB else {
                Issue.record("unexpected outcomes: \(wrong), \(sharedOnB), \(ownOnB)")
                return
            }
            #expect(error.httpStatus == 401 && error.code == 190)
            #expect(errorB.code == 190)
        }
    }

    @Test("scripted failures are answered in order, then sends succeed again")
    func scriptedFailures() async throws {
        try await GraphStandIn().run { graph in
            graph.failNext([
                .http(status: 429, code: 130429, message: "(#130429) Rate limit hit"),
                .http(status: 500, code: 131000, message: "Something went wrong"),
                .http(status: 400, code: 131047, message: "Re-engagement message", details: "More than 24 hours"),
                .http(status: 503, body: "<html><body>Service Unavailable</body></html>"),
            ])
            let credentials = graph.credentials(phoneNumberID: Self.phoneNumberID)
            var outcomes: [SendOutcome] = []
            for _ in 0..<5 {
                outcomes.append(await GraphClient().send(.text("hi"), to: "+919812345678", credentials: credentials, logger: Self.logger))
            }
            #expect(outcomes[0] == .retryable(.init(httpStatus: 429, code: 130429, title: "(#130429) Rate limit hit")))
            #expect(outcomes[1] == .retryable(.init(httpStatus: 500, code: 131000, title: "Something went wrong")))
            #expect(
                outcomes[2]
                    == .rejected(.init(httpStatus: 400, code: 131047, title: "Re-engagement message", details: "More than 24 hours")))
            guard case .retryable(let html) = outcomes[3], case .accepted = outcomes[4] else {
                Issue.record("unexpected outcomes: \(outcomes)")
                return
            }
            #expect(html.httpStatus == 503 && html.code == nil)
            #expect(graph.sends.map(\.status) == [429, 500, 400, 503, 200])
            #expect(graph.sends.map(\.errorCode) == [130429, 131000, 131047, nil, nil])
        }
    }

    @Test("an answer slower than the client's timeout is rejected, not retried: the stand-in may have taken the message")
    func slow() async throws {
        try await GraphStandIn().run { graph in
            graph.delayResponses(by: .seconds(2))
            let outcome = await GraphClient(timeout: .milliseconds(300)).send(
                .text("hi"), to: "+919812345678", credentials: graph.credentials(phoneNumberID: Self.phoneNumberID), logger: Self.logger)
            guard case .rejected(let error) = outcome else {
                Issue.record("expected rejected, got \(outcome)")
                return
            }
            #expect(error.httpStatus == nil && error.title.contains("not retried"))
        }
    }

    @Test(
        "bodies that break PROVIDERS.md §1.1 get a Graph 400",
        arguments: [
            (#"{"recipient_type":"individual","to":"919812345678","type":"text","text":{"body":"hi"}}"#, 100),
            (#"{"messaging_product":"whatsapp","to":"+919812345678","type":"text","text":{"body":"hi"}}"#, 131009),
            (#"{"messaging_product":"whatsapp","to":"919812345678","type":"text","text":{"body":""}}"#, 100),
            (
                #"{"messaging_product":"whatsapp","to":"919812345678","type":"text","text":{"body":"\#(String(repeating: "a", count: 4097))"}}"#,
                100
            ),
            (#"{"messaging_product":"whatsapp","to":"919812345678","type":"template","template":{"name":"x"}}"#, 100),
            (
                #"{"messaging_product":"whatsapp","to":"919812345678","type":"template","template":{"name":"x","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"text"}]}]}}"#,
                131009
            ),
            (#"{"messaging_product":"whatsapp","to":"919812345678","type":"sticker"}"#, 100),
            ("not json", 100),
        ])
    func badBodies(body: String, code: Int) async throws {
        try await GraphStandIn().run { graph in
            var request = HTTPClientRequest(url: graph.baseURL + "/v21.0/\(Self.phoneNumberID)/messages")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(graph.accessToken)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let answer = try await response.body.collect(upTo: 1 << 16)
            let error = try JSONSerialization.jsonObject(with: Data(buffer: answer)) as? [String: Any]
            #expect(response.status.code == 400)
            #expect((error?["error"] as? [String: Any])?["code"] as? Int == code)
            #expect(graph.sends.first?.errorCode == code)
        }
    }

    @Test("signed inbound webhooks verify and parse; forged or unsigned ones do not")
    func inboundWebhook() async throws {
        try await GraphStandIn().run { graph in
            try await WebhookRecorder(appSecret: Self.appSecret).run { recorder in
                let body = GraphStandIn.inboundTextBody(
                    phoneNumberID: Self.phoneNumberID, from: "919812345678", name: "Asha \"A\"", wamid: "wamid.IN1",
                    text: "hello\nthere ₹", timestamp: 1_717_000_000)
                let signed = try await graph.postWebhook(to: recorder.url, appSecret: Self.appSecret, body: body)
                let forged = try await graph.postWebhook(to: recorder.url, appSecret: "other", body: body)
                let unsigned = try await graph.postWebhook(to: recorder.url, signature: nil, body: body)
                #expect(signed.status == 200)
                #expect(forged.status == 401)
                #expect(unsigned.status == 401)
                #expect(
                    recorder.notifications == [
                        WebhookNotification(messages: [
                            InboundMessage(
                                phoneNumberID: Self.phoneNumberID, id: "wamid.IN1", from: "919812345678", profileName: "Asha \"A\"",
                                timestamp: Date(timeIntervalSince1970: 1_717_000_000), type: "text", text: "hello\nthere ₹", replyTo: nil)
                        ])
                    ])
            }
        }
    }

    @Test("after a send the stand-in reports its delivery, or its failure, as signed status webhooks")
    func statuses() async throws {
        try await GraphStandIn().run { graph in
            try await WebhookRecorder(appSecret: Self.appSecret).run { recorder in
                let credentials = graph.credentials(phoneNumberID: Self.phoneNumberID)
                guard
                    case .accepted(let wamid) = await GraphClient().send(
                        .text("hi"), to: "+919812345678", credentials: credentials, logger: Self.logger),
                    case .accepted(let late) = await GraphClient().send(
                        .text("late"), to: "+919812345678", credentials: credentials, logger: Self.logger)
                else {
                    Issue.record("sends were not accepted")
                    return
                }
                let answers = try await graph.deliverStatuses(
                    for: wamid, to: recorder.url, appSecret: Self.appSecret, startingAt: 1_717_000_100)
                #expect(answers == [200, 200, 200])
                _ = try await graph.deliverStatuses(
                    [.failed], for: late, to: recorder.url, appSecret: Self.appSecret, startingAt: 1_717_000_200)
                let statuses = recorder.notifications.flatMap(\.statuses)
                #expect(statuses.map(\.status) == [.sent, .delivered, .read, .failed])
                #expect(statuses.map(\.messageID) == [wamid, wamid, wamid, late])
                #expect(statuses.map(\.timestamp.timeIntervalSince1970) == [1_717_000_100, 1_717_000_101, 1_717_000_102, 1_717_000_200])
                #expect(statuses.allSatisfy { $0.recipientID == "919812345678" && $0.phoneNumberID == Self.phoneNumberID })
                #expect(statuses.last?.errors.map(\.code) == [131047])
                await #expect(throws: GraphStandIn.UnknownMessage.self) {
                    try await graph.deliverStatuses(for: "wamid.never", to: recorder.url, appSecret: Self.appSecret)
                }
            }
        }
    }

    @Test("the verify handshake echoes the challenge only for the right token")
    func handshake() async throws {
        try await GraphStandIn().run { graph in
            try await WebhookRecorder(appSecret: Self.appSecret).run { recorder in
                let ok = try await graph.verifyWebhook(url: recorder.url, token: WebhookRecorder.verifyToken, challenge: "1158201444")
                #expect(ok.status == 200 && ok.body == "1158201444")
                let wrong = try await graph.verifyWebhook(url: recorder.url, token: "wrong", challenge: "1")
                #expect(wrong.status == 403)
            }
        }
    }
}

/// A minimal webhook endpoint built from the adapter's parts, in PROVIDERS.md
/// §1.5 order: verify the signature over the raw body, then parse.
private final class WebhookRecorder: Sendable {
    static let verifyToken = "verify-me"
    let appSecret: String
    private let state = NIOLockedValueBox((notifications: [WebhookNotification](), port: 0))

    init(appSecret: String) {
        self.appSecret = appSecret
    }

    var notifications: [WebhookNotification] { state.withLockedValue { $0.notifications } }
    var url: String { "http://127.0.0.1:\(state.withLockedValue { $0.port })/webhooks/whatsapp" }

    func run<Value: Sendable>(_ body: @Sendable (WebhookRecorder) async throws -> Value) async throws -> Value {
        let router = Router()
        router.get("/webhooks/whatsapp") { request, _ -> Response in
            let query = request.uri.queryParameters
            let challenge = VerifyHandshake.challenge(
                mode: query["hub.mode"].map(String.init), token: query["hub.verify_token"].map(String.init),
                challenge: query["hub.challenge"].map(String.init), expectedToken: Self.verifyToken)
            guard let challenge else { return Response(status: .forbidden) }
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: challenge)))
        }
        router.post("/webhooks/whatsapp") { request, _ -> HTTPResponse.Status in
            let bytes = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let header = request.headers[HTTPField.Name("X-Hub-Signature-256")!]
            guard WebhookSignature.isValid(header: header, body: bytes, appSecret: self.appSecret) else { return .unauthorized }
            let notification = try WebhookNotification.parse(bytes)
            self.state.withLockedValue { $0.notifications.append(notification) }
            return .ok
        }
        let started = NIOLockedValueBox<CheckedContinuation<Void, Never>?>(nil)
        var logger = Logger(label: "webhook-recorder")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                self.state.withLockedValue { $0.port = channel.localAddress?.port ?? 0 }
                started.withLockedValue {
                    $0?.resume()
                    $0 = nil
                }
            }, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            await withCheckedContinuation { continuation in
                started.withLockedValue { $0 = continuation }
                group.addTask { try await app.run() }
            }
            defer { group.cancelAll() }
            return try await body(self)
        }
    }
}
