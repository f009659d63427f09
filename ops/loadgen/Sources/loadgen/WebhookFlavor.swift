import Crypto
import NIOCore
import NIOHTTP1

/// What differs between providers' signed webhooks, so one `WebhookDriver` can drive
/// WhatsApp (`WhatsAppWebhooks`) and Razorpay (`RazorpayWebhooks`): the signed request
/// for each webhook of a step, and, for providers whose webhooks end up on staff
/// sockets, which webhook a socket message reports. Any other open-loop POST at a
/// fixed rate fits too (`OrderRequests`: the API's order creation). Called only on
/// the driver's loop.
protocol WebhookFlavor: AnyObject {
    /// The status that counts as success (webhooks: 200).
    var successStatus: Int { get }

    /// How each request is sent (webhooks: POST).
    var method: HTTPMethod { get }

    /// Webhook `index` of step `step` (`n` counts webhooks over the whole run): its
    /// headers (the signature, an event id) and its raw body.
    func request(step: Int, index: Int, n: Int) -> (headers: [(String, String)], body: ByteBuffer)

    /// The (step, index) of the webhook whose event `message` carries; nil when it is
    /// not one of ours (or the flavor has no socket events).
    func receipt(in message: UnsafeRawBufferPointer) -> (step: Int, index: Int)?

    /// Whether `message` is this flavor's kind of socket event at all (one that is not
    /// ours counts as foreign).
    func isEvent(_ message: UnsafeRawBufferPointer) -> Bool

    /// What step `step` sent, by kind (merged into its report).
    func figures(step: Int) -> [String: Any]
}

extension WebhookFlavor {
    var successStatus: Int { 200 }
    var method: HTTPMethod { .POST }
}

/// Lowercase hex of HMAC-SHA256(key, body): both providers sign the raw body this way
/// (WhatsApp prefixes it with `sha256=`).
func hexHMACSHA256(_ body: ByteBuffer, key: SymmetricKey) -> String {
    let mac = body.withUnsafeReadableBytes { HMAC<SHA256>.authenticationCode(for: $0, using: key) }
    let digits = Array("0123456789abcdef".utf8)
    var hex = [UInt8]()
    hex.reserveCapacity(64)
    for byte in mac {
        hex.append(digits[Int(byte >> 4)])
        hex.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: hex, as: UTF8.self)
}
