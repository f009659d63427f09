import Testing

@testable import WhatsApp

@Suite("X-Hub-Signature-256")
struct WebhookSignatureTests {
    static let sdkBody = Array("test".utf8)
    static let sdkHeader = "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914"
    static let emptyBody = Array(#"{"object":"whatsapp_business_account","entry":[]}"#.utf8)
    static let emptyHeader = "sha256=1e948187320e1d8a8ab09e20b7172f8fe97e79394c0980b59b485e00288e389d"

    @Test("both worked examples from PROVIDERS.md §1.5 are produced and accepted")
    func workedExamples() {
        #expect(WebhookSignature.header(for: Self.sdkBody, appSecret: "secret") == Self.sdkHeader)
        #expect(WebhookSignature.isValid(header: Self.sdkHeader, body: Self.sdkBody, appSecret: "secret"))
        #expect(WebhookSignature.header(for: Self.emptyBody, appSecret: "my_app_secret") == Self.emptyHeader)
        #expect(WebhookSignature.isValid(header: Self.emptyHeader, body: Self.emptyBody, appSecret: "my_app_secret"))
    }

    @Test("uppercase hex, an uppercase prefix and surrounding spaces are accepted")
    func caseAndSpaces() {
        let hex = Self.sdkHeader.dropFirst("sha256=".count)
        #expect(WebhookSignature.isValid(header: "sha256=" + hex.uppercased(), body: Self.sdkBody, appSecret: "secret"))
        #expect(WebhookSignature.isValid(header: "SHA256=" + hex, body: Self.sdkBody, appSecret: "secret"))
        #expect(WebhookSignature.isValid(header: " \(Self.sdkHeader) ", body: Self.sdkBody, appSecret: "secret"))
    }

    @Test("a changed body, a wrong secret or a flipped digit is forged")
    func forged() {
        #expect(!WebhookSignature.isValid(header: Self.sdkHeader, body: Array("test ".utf8), appSecret: "secret"))
        #expect(!WebhookSignature.isValid(header: Self.sdkHeader, body: Self.sdkBody, appSecret: "Secret"))
        let flipped = String(Self.sdkHeader.dropLast()) + "5"
        #expect(!WebhookSignature.isValid(header: flipped, body: Self.sdkBody, appSecret: "secret"))
        // Re-serialised JSON is different bytes, so it does not verify (PROVIDERS general rule).
        let respaced = Array(#"{"object": "whatsapp_business_account", "entry": []}"#.utf8)
        #expect(!WebhookSignature.isValid(header: Self.emptyHeader, body: respaced, appSecret: "my_app_secret"))
    }

    @Test(
        "a missing or malformed header is never valid",
        arguments: [
            nil, "", "sha256=", "0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914",
            "sha1=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914",
            "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c091",
            "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914aa",
            "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c091g",
            "sha256=0329a06b62cd16b33eb6792be8c60b15 8d89a2ee3a876fce9a881ebb488c0914",
        ] as [String?])
    func malformed(_ header: String?) {
        #expect(!WebhookSignature.isValid(header: header, body: Self.sdkBody, appSecret: "secret"))
    }

    @Test("an empty app secret verifies nothing, even a header computed with it")
    func emptySecret() {
        let header = WebhookSignature.header(for: Self.sdkBody, appSecret: "")
        #expect(!WebhookSignature.isValid(header: header, body: Self.sdkBody, appSecret: ""))
    }
}
