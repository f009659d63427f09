/// The subscription handshake Meta performs when a callback URL is configured
/// (PROVIDERS.md §1.3): `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`.
public enum VerifyHandshake {
    /// The challenge to echo as the plain-text 200 body, or nil to reject (403).
    /// The token is compared in constant time; an empty expected token never matches,
    /// so a tenant without one configured cannot be subscribed by anyone.
    public static func challenge(mode: String?, token: String?, challenge: String?, expectedToken: String) -> String? {
        guard mode == "subscribe", let token, let challenge, !expectedToken.isEmpty,
            constantTimeEqual(Array(token.utf8), Array(expectedToken.utf8))
        else { return nil }
        return challenge
    }

    /// Takes as long for every byte position, so timing does not reveal how much of
    /// a guess matched. Only the length can leak, which a verify token does not hide.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices {
            difference |= a[index] ^ b[index]
        }
        return difference == 0
    }
}
