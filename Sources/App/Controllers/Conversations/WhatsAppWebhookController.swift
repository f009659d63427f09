import Conversations
import Foundation
import Hummingbird

/// WhatsApp Cloud API webhooks, one URL per tenant: `/v1/webhooks/whatsapp/{webhookKey}`
/// (the key is unguessable and shown to administrators in the settings).
///
/// - `GET`: the verify handshake; 200 with `hub.challenge` as plain text, else 403.
/// - `POST`: `X-Hub-Signature-256` is checked on the raw body (401 and nothing
///   stored when it is missing or wrong); the body is stored as received and
///   acknowledged with 200 before it is processed.
struct WhatsAppWebhookController: Sendable {
    let intake: WhatsAppIntake
    /// Meta's notifications are a few kilobytes; a batch stays far below this.
    static let maximumBody = 1 << 20

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("{webhookKey}", use: verify)
        group.post("{webhookKey}", use: receive)
    }

    func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = context.parameters.get("webhookKey") ?? ""
        let query = request.uri.queryParameters
        let challenge = try await intake.verify(
            webhookKey: key, mode: query["hub.mode"].map(String.init), token: query["hub.verify_token"].map(String.init),
            challenge: query["hub.challenge"].map(String.init), logger: context.logger)
        guard let challenge else {
            throw AppError.forbidden("The verify token does not match this webhook (or the webhook does not exist).")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: challenge)))
    }

    func receive(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = context.parameters.get("webhookKey") ?? ""
        if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.maximumBody {
            throw AppError.contentTooLarge(limit: Self.maximumBody)
        }
        var request = request
        let body = Array(try await request.collectBody(upTo: Self.maximumBody).readableBytesView)
        let signature = request.headers[.init("X-Hub-Signature-256")!]
        switch try await intake.receive(webhookKey: key, signature: signature, body: body, logger: context.logger) {
        case .accepted:
            return Response(status: .ok)
        case .unknownKey:
            throw AppError.notFound("No such webhook.")
        case .unauthorized:
            throw AppError(
                .unauthorized, kind: "invalid-signature", title: "Invalid signature",
                detail: "X-Hub-Signature-256 is missing or does not match the body; nothing was stored.")
        }
    }
}
