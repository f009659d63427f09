import AsyncHTTPClient
import Foundation
import NIOCore
import WhatsApp

/// Meta's side of the webhook (PROVIDERS.md §1.3–1.5): the verify handshake and
/// signed notification POSTs, with builders for the exact §1.4 payloads.
extension GraphStandIn {
    struct UnknownMessage: Error, CustomStringConvertible {
        let wamid: String
        var description: String { "The Graph stand-in accepted no message \(wamid)." }
    }

    /// POSTs `body` to `url` signed with `appSecret` over these exact bytes.
    func postWebhook(to url: String, appSecret: String, body: [UInt8]) async throws -> (status: Int, body: String) {
        try await postWebhook(to: url, signature: WebhookSignature.header(for: body, appSecret: appSecret), body: body)
    }

    /// POSTs `body` with the given `X-Hub-Signature-256` (nil for none), to test forgeries.
    func postWebhook(to url: String, signature: String?, body: [UInt8]) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "facebookexternalua")
        if let signature { request.headers.add(name: "X-Hub-Signature-256", value: signature) }
        request.body = .bytes(body)
        return try await Self.execute(request)
    }

    /// Meta's subscription check: `GET url?hub.mode=…&hub.verify_token=…&hub.challenge=…`.
    func verifyWebhook(url: String, token: String, challenge: String, mode: String = "subscribe") async throws -> (
        status: Int, body: String
    ) {
        var components = URLComponents(string: url)
        components?.queryItems = [
            URLQueryItem(name: "hub.mode", value: mode), URLQueryItem(name: "hub.verify_token", value: token),
            URLQueryItem(name: "hub.challenge", value: challenge),
        ]
        return try await Self.execute(HTTPClientRequest(url: components?.string ?? url))
    }

    /// Posts one status webhook per entry of `statuses` for a message this stand-in
    /// accepted, a second apart from `timestamp`, as Meta reports delivery. A `failed`
    /// status carries `failure`. Returns the app's HTTP status for each POST.
    func deliverStatuses(
        _ statuses: [DeliveryStatus] = [.sent, .delivered, .read], for wamid: String, to url: String, appSecret: String,
        startingAt timestamp: Int = Int(Date().timeIntervalSince1970),
        failure: (code: Int, title: String) = (131047, "Re-engagement message")
    ) async throws -> [Int] {
        guard let send = sends.first(where: { $0.wamid == wamid }), let recipient = send.to else { throw UnknownMessage(wamid: wamid) }
        var answers: [Int] = []
        for (offset, status) in statuses.enumerated() {
            let body = Self.statusBody(
                phoneNumberID: send.phoneNumberID, wamid: wamid, status: status, timestamp: timestamp + offset, recipient: recipient,
                errorCode: status == .failed ? failure.code : nil, errorTitle: status == .failed ? failure.title : nil)
            answers.append(try await postWebhook(to: url, appSecret: appSecret, body: body).status)
        }
        return answers
    }

    /// An inbound text notification exactly as PROVIDERS.md §1.4 shows it.
    static func inboundTextBody(phoneNumberID: String, from: String, name: String, wamid: String, text: String, timestamp: Int)
        -> [UInt8]
    {
        let value =
            #""contacts":[{"profile":{"name":\#(quoted(name))},"wa_id":\#(quoted(from))}],"#
            + #""messages":[{"from":\#(quoted(from)),"id":\#(quoted(wamid)),"timestamp":"\#(timestamp)","#
            + #""type":"text","text":{"body":\#(quoted(text))}}]"#
        return envelope(phoneNumberID: phoneNumberID, value: value)
    }

    /// A status notification as PROVIDERS.md §1.4 shows it: conversation and pricing
    /// on sent/delivered/read (the expiration only on `sent`), errors on `failed`.
    static func statusBody(
        phoneNumberID: String, wamid: String, status: DeliveryStatus, timestamp: Int, recipient: String, errorCode: Int? = nil,
        errorTitle: String? = nil
    ) -> [UInt8] {
        var fields =
            #"{"id":\#(quoted(wamid)),"status":"\#(status.rawValue)","timestamp":"\#(timestamp)","recipient_id":\#(quoted(recipient))"#
        if status != .failed {
            let expiration = status == .sent ? #","expiration_timestamp":"\#(timestamp + 86_400)""# : ""
            fields += #","conversation":{"id":"standin-conversation-\#(recipient)"\#(expiration),"origin":{"type":"service"}}"#
            fields += #","pricing":{"billable":true,"pricing_model":"CBP","category":"service"}"#
        }
        if let errorCode {
            let title = errorTitle ?? "Message failed"
            let details =
                errorCode == 131047
                ? "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
                : title
            fields +=
                #","errors":[{"code":\#(errorCode),"title":\#(quoted(title)),"message":\#(quoted(title)),"#
                + #""error_data":{"details":\#(quoted(details))},"#
                + #""href":"https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]"#
        }
        return envelope(phoneNumberID: phoneNumberID, value: #""statuses":[\#(fields)}]"#)
    }

    private static func envelope(phoneNumberID: String, value: String) -> [UInt8] {
        Array(
            (#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"#
                + #""messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":\#(quoted(phoneNumberID))},"#
                + value + "}}]}]}").utf8)
    }

    /// A JSON string literal for `text`, escaped by the encoder.
    private static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }

    private static func execute(_ request: HTTPClientRequest) async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }
}
