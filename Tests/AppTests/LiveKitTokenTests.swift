import Calls
import Crypto
import Foundation
import Testing

/// LiveKit access tokens against the worked example in PROVIDERS.md §3.1.
@Suite("LiveKit access tokens")
struct LiveKitTokenTests {
    static let example =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJBUElkZXZrZXkiLCJzdWIiOiJ1c2VyLTEiLCJuYmYiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAyMTYwMCwibmFtZSI6IlVzZXIgT25lIiwibWV0YWRhdGEiOiJ7XCJyb2xlXCI6XCJhZ2VudFwifSIsInZpZGVvIjp7InJvb20iOiJyb29tLTEiLCJyb29tSm9pbiI6dHJ1ZSwiY2FuUHVibGlzaCI6dHJ1ZSwiY2FuU3Vic2NyaWJlIjp0cnVlLCJjYW5QdWJsaXNoRGF0YSI6dHJ1ZX19.vCWJN-ejzStfL4JQMtl0n1EU3ypEvU1DJx00rilP6js"

    @Test("the worked example reproduces byte for byte")
    func workedExample() {
        let token = LiveKitAccessToken(
            apiKey: "APIdevkey", identity: "user-1", name: "User One", metadata: #"{"role":"agent"}"#,
            video: .join("room-1"), notBefore: Date(timeIntervalSince1970: 1_700_000_000),
            expiresAt: Date(timeIntervalSince1970: 1_700_021_600)
        )
        #expect(
            token.payloadJSON
                == #"{"iss":"APIdevkey","sub":"user-1","nbf":1700000000,"exp":1700021600,"name":"User One","metadata":"{\"role\":\"agent\"}","video":{"room":"room-1","roomJoin":true,"canPublish":true,"canSubscribe":true,"canPublishData":true}}"#
        )
        #expect(token.signed(secret: "devsecret_devsecret_devsecret_32") == Self.example)
    }

    @Test("the signature covers the received segments and fails with another secret")
    func signatureVerifies() {
        let parts = Self.example.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        func signature(_ secret: String) -> String {
            let mac = HMAC<SHA256>.authenticationCode(
                for: Data((parts[0] + "." + parts[1]).utf8), using: SymmetricKey(data: Data(secret.utf8)))
            return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        #expect(signature("devsecret_devsecret_devsecret_32") == parts[2])
        #expect(signature("another-secret-another-secret-32") != parts[2])
    }

    @Test("RoomService URLs rewrite ws(s) to http(s)")
    func apiBaseURL() {
        #expect(LiveKitCredentials(url: "wss://sfu.example.test/", apiKey: "k", apiSecret: "s").apiBaseURL == "https://sfu.example.test")
        #expect(LiveKitCredentials(url: "ws://127.0.0.1:7880", apiKey: "k", apiSecret: "s").apiBaseURL == "http://127.0.0.1:7880")
        #expect(LiveKitCredentials(url: "http://127.0.0.1:7880", apiKey: "k", apiSecret: "s").apiBaseURL == "http://127.0.0.1:7880")
    }
}
