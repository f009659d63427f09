import Testing

@testable import Razorpay

@Suite("Checkout and webhook signatures")
struct SignatureTests {
    // PROVIDERS.md §2.3's worked example.
    let orderID = "order_DESlLckIVRkHWj"
    let paymentID = "pay_DESlfW9H8K9uqM"
    let checkoutSignature = "75d567d0e5219ff588ded9c12c2d8241fb1b1353ae9cf2c964f92232106a8b6d"
    // PROVIDERS.md §2.4's worked example.
    let webhookBody = Array(#"{"a":1,"b":2,"c":{"d":3}}"#.utf8)
    let webhookSignature = "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc"

    @Test("the Checkout worked example reproduces and verifies")
    func checkoutExample() {
        #expect(RazorpaySignature.payment(orderID: orderID, paymentID: paymentID, keySecret: "my_key_secret") == checkoutSignature)
        #expect(
            RazorpaySignature.isValidPayment(
                orderID: orderID, paymentID: paymentID, signature: checkoutSignature, keySecret: "my_key_secret"))
    }

    @Test("a Checkout signature for another payment, order or secret is refused")
    func checkoutForged() {
        let check = { (order: String, payment: String, signature: String, secret: String) in
            RazorpaySignature.isValidPayment(orderID: order, paymentID: payment, signature: signature, keySecret: secret)
        }
        #expect(!check(orderID, "pay_DESlfW9H8K9uqN", checkoutSignature, "my_key_secret"))
        #expect(!check("order_DESlLckIVRkHWk", paymentID, checkoutSignature, "my_key_secret"))
        #expect(!check(orderID, paymentID, checkoutSignature, "other_secret"))
        // Swapping the ids changes the message.
        #expect(!check(paymentID, orderID, checkoutSignature, "my_key_secret"))
    }

    @Test("the webhook worked example reproduces and verifies")
    func webhookExample() {
        #expect(RazorpaySignature.webhook(body: webhookBody, secret: "123456") == webhookSignature)
        #expect(RazorpaySignature.isValidWebhook(signature: webhookSignature, body: webhookBody, secret: "123456"))
    }

    @Test("a webhook signature is refused for another body or secret")
    func webhookForged() {
        #expect(
            !RazorpaySignature.isValidWebhook(
                signature: webhookSignature, body: Array(#"{"a":1,"b":2,"c":{"d":4}}"#.utf8), secret: "123456"))
        // The same JSON with a space is a different raw body.
        #expect(
            !RazorpaySignature.isValidWebhook(
                signature: webhookSignature, body: Array(#"{"a":1, "b":2,"c":{"d":3}}"#.utf8), secret: "123456"))
        #expect(!RazorpaySignature.isValidWebhook(signature: webhookSignature, body: webhookBody, secret: "1234567"))
        // The API key secret is not the webhook secret.
        let signedWithKey = RazorpaySignature.webhook(body: webhookBody, secret: "my_key_secret")
        #expect(!RazorpaySignature.isValidWebhook(signature: signedWithKey, body: webhookBody, secret: "123456"))
    }

    @Test(
        "missing, upper-case and malformed signatures are refused",
        arguments: [
            nil, "", "2FE04E22977002E6C7CB553ADAB8B460CB9E2A4970D5953CB27A8472752E3BBC",
            "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bb",  // odd length
            "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3b",  // a byte short
            "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc00",  // a byte long
            "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbz",  // not hex
            " 2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc",
            "sha256=2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc",
            "L+BOIpdwAubHy1U62ri0YMueKklw1ZU8snqEcnUuO7w=",  // the right MAC, base64
            "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc\u{0}",
        ] as [String?])
    func malformed(_ signature: String?) {
        #expect(!RazorpaySignature.isValidWebhook(signature: signature, body: webhookBody, secret: "123456"))
        if let signature {
            #expect(
                !RazorpaySignature.isValidPayment(orderID: orderID, paymentID: paymentID, signature: signature, keySecret: "my_key_secret"))
        }
    }

    @Test("an empty body and unicode secrets still sign and verify")
    func edges() {
        let signature = RazorpaySignature.webhook(body: [], secret: "sécret")
        #expect(signature.count == 64)
        #expect(signature == signature.lowercased())
        #expect(RazorpaySignature.isValidWebhook(signature: signature, body: [], secret: "sécret"))
        #expect(!RazorpaySignature.isValidWebhook(signature: signature, body: [], secret: "secret"))
    }
}
