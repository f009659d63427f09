import Testing

@testable import WhatsApp

@Suite("Webhook verify handshake")
struct VerifyHandshakeTests {
    @Test("subscribe with the right token echoes the challenge as given")
    func accepted() {
        #expect(
            VerifyHandshake.challenge(mode: "subscribe", token: "t0ken", challenge: "1158201444", expectedToken: "t0ken") == "1158201444")
        #expect(VerifyHandshake.challenge(mode: "subscribe", token: "t0ken", challenge: "a b&c", expectedToken: "t0ken") == "a b&c")
    }

    @Test("another mode, a wrong, missing or longer token, or no challenge is rejected")
    func rejected() {
        #expect(VerifyHandshake.challenge(mode: "unsubscribe", token: "t0ken", challenge: "1", expectedToken: "t0ken") == nil)
        #expect(VerifyHandshake.challenge(mode: nil, token: "t0ken", challenge: "1", expectedToken: "t0ken") == nil)
        #expect(VerifyHandshake.challenge(mode: "subscribe", token: "t0keN", challenge: "1", expectedToken: "t0ken") == nil)
        #expect(VerifyHandshake.challenge(mode: "subscribe", token: "t0ken2", challenge: "1", expectedToken: "t0ken") == nil)
        #expect(VerifyHandshake.challenge(mode: "subscribe", token: nil, challenge: "1", expectedToken: "t0ken") == nil)
        #expect(VerifyHandshake.challenge(mode: "subscribe", token: "t0ken", challenge: nil, expectedToken: "t0ken") == nil)
    }

    @Test("an empty expected token matches nothing, not even an empty token")
    func unconfigured() {
        #expect(VerifyHandshake.challenge(mode: "subscribe", token: "", challenge: "1", expectedToken: "") == nil)
    }
}
