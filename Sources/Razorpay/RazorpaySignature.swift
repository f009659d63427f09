import Crypto
import Foundation

/// Razorpay's HMAC-SHA256 signatures (PROVIDERS.md §2.3, §2.4), as lowercase hex.
///
/// Checks decode the presented hex and compare MACs with Crypto's constant-time
/// `isValidAuthenticationCode`. Only lowercase hex is accepted, as Razorpay sends it
/// and as its SDKs compare it (exact string equality).
public enum RazorpaySignature {
    /// Checkout (order flow): hex HMAC-SHA256(keySecret, orderID + "|" + paymentID), constant-time compare.
    public static func isValidPayment(orderID: String, paymentID: String, signature: String, keySecret: String) -> Bool {
        isValid(hex: signature, message: Array("\(orderID)|\(paymentID)".utf8), secret: keySecret)
    }

    /// The Checkout signature for an order's payment, as Razorpay computes it.
    public static func payment(orderID: String, paymentID: String, keySecret: String) -> String {
        hex(message: Array("\(orderID)|\(paymentID)".utf8), secret: keySecret)
    }

    /// Webhook: X-Razorpay-Signature = lowercase hex HMAC-SHA256(webhookSecret, raw body); nil/malformed -> false; constant time.
    public static func isValidWebhook(signature: String?, body: [UInt8], secret: String) -> Bool {
        guard let signature else { return false }
        return isValid(hex: signature, message: body, secret: secret)
    }

    /// The `X-Razorpay-Signature` value for `body`.
    public static func webhook(body: [UInt8], secret: String) -> String {
        hex(message: body, secret: secret)
    }

    static func hex(message: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return mac.map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]], as: UTF8.self)
        }.joined()
    }

    static func isValid(hex: String, message: [UInt8], secret: String) -> Bool {
        guard let presented = decodeLowercaseHex(hex), presented.count == SHA256.byteCount else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: message, using: SymmetricKey(data: Array(secret.utf8)))
    }

    /// The bytes of a lowercase hex string; nil for odd length, upper case or anything else.
    static func decodeLowercaseHex(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ char: UInt8) -> UInt8? {
            switch char {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        for index in stride(from: 0, to: utf8.count, by: 2) {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}
