import Crypto
import Foundation

/// `X-Hub-Signature-256` (PROVIDERS.md §1.5): `sha256=` and the hex HMAC-SHA256 of
/// the raw body under the app secret. Always computed over the bytes as received,
/// never over re-serialised JSON.
public enum WebhookSignature {
    static let prefix = "sha256="

    /// Whether `header` signs `body` under `appSecret`, compared in constant time.
    /// A missing or malformed header, or an empty secret (a misconfigured tenant, which
    /// would let anyone sign), is never valid. Hex is accepted in either case.
    public static func isValid(header: String?, body: [UInt8], appSecret: String) -> Bool {
        guard !appSecret.isEmpty, let header = header?.trimmingCharacters(in: .whitespaces),
            header.count == prefix.count + 2 * SHA256.byteCount,
            header.prefix(prefix.count).lowercased() == prefix,
            let signature = bytes(fromHex: header.dropFirst(prefix.count))
        else { return false }
        // swift-crypto's check compares the codes in constant time.
        return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: body, using: key(appSecret))
    }

    /// `"sha256="` and the lowercase hex signature of `body`, as Meta sends it.
    public static func header(for body: [UInt8], appSecret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: key(appSecret))
        return prefix + code.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }

    private static func key(_ secret: String) -> SymmetricKey {
        SymmetricKey(data: Data(secret.utf8))
    }

    private static func bytes(fromHex hex: Substring) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
