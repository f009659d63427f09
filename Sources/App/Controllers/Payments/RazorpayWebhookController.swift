import Foundation
import Hummingbird
import Payments

/// `POST /v1/webhooks/razorpay/{webhookKey}`: `X-Razorpay-Signature` is checked on
/// the raw body with the tenant's webhook secret (401 and nothing stored otherwise);
/// each `X-Razorpay-Event-Id` is stored once and acknowledged with 200, then applied.
struct RazorpayWebhookController: Sendable {
    let intake: RazorpayIntake
    static let maximumBody = 1 << 20

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("{webhookKey}", use: receive)
    }

    func receive(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = context.parameters.get("webhookKey") ?? ""
        if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.maximumBody {
            throw AppError.contentTooLarge(limit: Self.maximumBody)
        }
        var request = request
        let body = Array(try await request.collectBody(upTo: Self.maximumBody).readableBytesView)
        let outcome = try await intake.receive(
            webhookKey: key, signature: request.headers[.init("X-Razorpay-Signature")!],
            eventID: request.headers[.init("X-Razorpay-Event-Id")!], body: body, logger: context.logger)
        switch outcome {
        case .accepted, .duplicate:
            return Response(status: .ok)
        case .unknownKey:
            throw AppError.notFound("No such webhook.")
        case .unauthorized:
            throw AppError(
                .unauthorized, kind: "invalid-signature", title: "Invalid signature",
                detail: "X-Razorpay-Signature is missing or does not match the body; nothing was stored.")
        }
    }
}
