import Foundation
import Testing

@testable import Razorpay

@Suite("Webhook event payloads")
struct EventParsingTests {
    /// PROVIDERS.md §2.4's envelope, with its elided strings filled in.
    static let capturedSample = #"""
        {"entity":"event","account_id":"acc_BFQ7uQEaa7j2z7","event":"payment.captured",
         "contains":["payment"],
         "payload":{"payment":{"entity":{"id":"pay_DESlfW9H8K9uqM","entity":"payment","amount":100,
            "currency":"INR","status":"captured","order_id":"order_DESlLckIVRkHWj","method":"upi",
            "captured":true,"amount_refunded":0,"refund_status":null,"email":"gaurav.kumar@example.com","contact":"+919876543210",
            "notes":[],"fee":2,"tax":0,"error_code":null,"error_description":null,
            "error_source":null,"error_step":null,"error_reason":null,"acquirer_data":{"rrn":"925213051034"},
            "created_at":1567674599}}},
         "created_at":1567674606}
        """#

    @Test("payment.captured: §2.4's sample, notes as an empty array")
    func captured() throws {
        let event = try RazorpayEvent.parse(Array(Self.capturedSample.utf8))
        #expect(
            event
                == RazorpayEvent(
                    event: "payment.captured", accountID: "acc_BFQ7uQEaa7j2z7", createdAt: Date(timeIntervalSince1970: 1_567_674_606),
                    payment: PaymentEntity(
                        id: "pay_DESlfW9H8K9uqM", amount: 100, currency: "INR", status: "captured", orderID: "order_DESlLckIVRkHWj",
                        method: "upi", amountRefunded: 0, email: "gaurav.kumar@example.com", contact: "+919876543210",
                        createdAt: Date(timeIntervalSince1970: 1_567_674_599))))
    }

    @Test("payment.authorized with notes as an object", arguments: [#"{"k":"v"}"#, "{}", "[]", "null", #"["x"]"#])
    func authorized(notes: String) throws {
        let body = Self.paymentEvent(
            "payment.authorized", entity: #"{"id":"pay_1","amount":29500,"currency":"INR","status":"authorized","notes":\#(notes)}"#)
        let event = try RazorpayEvent.parse(body)
        #expect(event.event == "payment.authorized")
        #expect(event.payment == PaymentEntity(id: "pay_1", amount: 29500, currency: "INR", status: "authorized"))
        #expect(event.order == nil && event.refund == nil && event.paymentLink == nil)
    }

    @Test("payment.failed carries the error fields")
    func failed() throws {
        let body = Self.paymentEvent(
            "payment.failed",
            entity: #"""
                {"id":"pay_2","entity":"payment","amount":50000,"currency":"INR","status":"failed","order_id":"order_2",
                 "method":"card","captured":false,"amount_refunded":0,"notes":[],"error_code":"BAD_REQUEST_ERROR",
                 "error_description":"Payment processing failed because of incorrect OTP","error_source":"customer",
                 "error_step":"payment_authentication","error_reason":"incorrect_otp","created_at":1700000000}
                """#)
        let payment = try #require(try RazorpayEvent.parse(body).payment)
        #expect(payment.status == "failed")
        #expect(payment.errorCode == "BAD_REQUEST_ERROR")
        #expect(payment.errorDescription == "Payment processing failed because of incorrect OTP")
        #expect(payment.errorReason == "incorrect_otp")
        #expect(payment.orderID == "order_2")
        #expect(payment.method == "card")
    }

    @Test("order.paid carries both the payment and the order")
    func orderPaid() throws {
        let body = Array(
            #"""
            {"entity":"event","account_id":"acc_X","event":"order.paid","contains":["payment","order"],
             "payload":{"payment":{"entity":{"id":"pay_3","entity":"payment","amount":29500,"currency":"INR","status":"captured",
               "order_id":"order_3","notes":{"contact":"c1"}}},
              "order":{"entity":{"id":"order_3","entity":"order","amount":29500,"amount_paid":29500,"amount_due":0,"currency":"INR",
               "receipt":"rcpt-7","offer_id":null,"status":"paid","attempts":1,"notes":[],"created_at":1700000000}}},
             "created_at":1700000100}
            """#.utf8)
        let event = try RazorpayEvent.parse(body)
        #expect(event.payment?.id == "pay_3")
        #expect(event.payment?.orderID == "order_3")
        #expect(
            event.order == OrderEntity(id: "order_3", amount: 29500, amountPaid: 29500, currency: "INR", status: "paid", receipt: "rcpt-7"))
    }

    @Test(
        "refund events carry the refund and the payment",
        arguments: ["refund.created", "refund.processed", "refund.failed", "refund.speed_changed"])
    func refund(name: String) throws {
        let status = name == "refund.failed" ? "failed" : name == "refund.created" ? "pending" : "processed"
        let body = Array(
            #"""
            {"entity":"event","account_id":"acc_X","event":"\#(name)","contains":["refund","payment"],
             "payload":{"refund":{"entity":{"id":"rfnd_FgRAHdNOM4ZVbO","entity":"refund","amount":10000,"currency":"INR",
               "payment_id":"pay_4","notes":{},"receipt":null,"acquirer_data":{"arn":null},"created_at":1600856650,
               "batch_id":null,"status":"\#(status)","speed_processed":"normal","speed_requested":"normal"}},
              "payment":{"entity":{"id":"pay_4","entity":"payment","amount":30000,"currency":"INR","status":"captured",
               "amount_refunded":10000,"refund_status":"partial","notes":[]}}},
             "created_at":1600856700}
            """#.utf8)
        let event = try RazorpayEvent.parse(body)
        #expect(event.event == name)
        #expect(event.refund == RefundEntity(id: "rfnd_FgRAHdNOM4ZVbO", paymentID: "pay_4", amount: 10000, currency: "INR", status: status))
        #expect(event.payment?.amountRefunded == 10000)
        #expect(event.payment?.amount == 30000)
    }

    @Test("payment_link.paid carries the link, the order and the payment")
    func paymentLinkPaid() throws {
        let body = Array(
            #"""
            {"entity":"event","account_id":"acc_X","event":"payment_link.paid","contains":["payment_link","order","payment"],
             "payload":{"payment_link":{"entity":{"accept_partial":false,"amount":150000,"amount_paid":150000,"cancelled_at":0,
               "currency":"INR","customer":{"contact":"+919876543210"},"id":"plink_Et3n8k5Hs7z3Wo","notes":null,
               "order_id":"order_5","reference_id":"sb-ref-5","short_url":"https://rzp.io/i/abc123","status":"paid"}},
              "order":{"entity":{"id":"order_5","entity":"order","amount":150000,"amount_paid":150000,"currency":"INR",
               "receipt":null,"status":"paid","notes":[]}},
              "payment":{"entity":{"id":"pay_5","entity":"payment","amount":150000,"currency":"INR","status":"captured",
               "order_id":"order_5","method":"upi","notes":[]}}},
             "created_at":1700000000}
            """#.utf8)
        let event = try RazorpayEvent.parse(body)
        #expect(
            event.paymentLink
                == PaymentLinkEntity(
                    id: "plink_Et3n8k5Hs7z3Wo", amount: 150000, amountPaid: 150000, currency: "INR", status: "paid", referenceID: "sb-ref-5"
                ))
        #expect(event.order?.id == "order_5")
        #expect(event.order?.receipt == nil)
        #expect(event.payment?.id == "pay_5")
    }

    @Test("events whose payload is unknown still parse, with no entities")
    func unknownEvent() throws {
        let event = try RazorpayEvent.parse(
            Array(#"{"event":"payment_link.expired","payload":{"payment_link":{"entity":{"id":"plink_1"}}},"extra":[1,2.5,true]}"#.utf8))
        #expect(event == RazorpayEvent(event: "payment_link.expired"))
        let bare = try RazorpayEvent.parse(Array(#"{"event":"payment.captured"}"#.utf8))
        #expect(bare.payment == nil && bare.accountID == nil && bare.createdAt == nil)
    }

    @Test(
        "an entity missing a required field, or with a fractional or string amount, is absent",
        arguments: [
            #"{"amount":100,"currency":"INR","status":"captured"}"#,
            #"{"id":"pay_1","currency":"INR","status":"captured"}"#,
            #"{"id":"pay_1","amount":100,"status":"captured"}"#,
            #"{"id":"pay_1","amount":100,"currency":"INR"}"#,
            #"{"id":"pay_1","amount":100.5,"currency":"INR","status":"captured"}"#,
            #"{"id":"pay_1","amount":"100","currency":"INR","status":"captured"}"#,
            #"{"id":7,"amount":100,"currency":"INR","status":"captured"}"#,
            #"[]"#, #"null"#, #""pay_1""#,
        ])
    func incompleteEntity(entity: String) throws {
        let event = try RazorpayEvent.parse(Self.paymentEvent("payment.captured", entity: entity))
        #expect(event.event == "payment.captured")
        #expect(event.payment == nil)
    }

    @Test("large amounts stay exact integers")
    func largeAmount() throws {
        let body = Self.paymentEvent(
            "payment.captured", entity: #"{"id":"pay_1","amount":9007199254740993,"currency":"INR","status":"captured"}"#)
        #expect(try RazorpayEvent.parse(body).payment?.amount == 9_007_199_254_740_993)
    }

    @Test("JSON's booleans, whole numbers and other numbers stay apart")
    func numbersAndBooleans() throws {
        let json = try JSONValue.parse(
            Array(#"{"t":true,"f":false,"one":1,"zero":0,"minus":-5,"big":12345678901234567890,"exp":1e2,"frac":1.5,"s":"1","n":null,"a":[true,2]}"#.utf8))
        #expect(json["t"] == .bool(true) && json["f"] == .bool(false))
        #expect(json["one"] == .int(1) && json["zero"] == .int(0) && json["minus"] == .int(-5))
        #expect(json["big"] == .double(12_345_678_901_234_567_890) && json["exp"] == .double(100) && json["frac"] == .double(1.5))
        #expect(json["s"] == .string("1") && json["n"] == .null && json["a"] == .array([.bool(true), .int(2)]))
        // An amount written as a boolean is no amount.
        let body = Self.paymentEvent("payment.captured", entity: #"{"id":"pay_1","amount":true,"currency":"INR","status":"captured"}"#)
        #expect(try RazorpayEvent.parse(body).payment == nil)
    }

    @Test(
        "bodies that are not Razorpay events are refused with a reason",
        arguments: [
            ("", "the body is not JSON"), ("not json", "the body is not JSON"), (#"{"event":"payment.captured""#, "the body is not JSON"),
            ("[]", "the body is not a JSON object"), (#""payment.captured""#, "the body is not a JSON object"),
            ("{}", #"the body has no "event" string"#), (#"{"event":42}"#, #"the body has no "event" string"#),
            (#"{"event":""}"#, #"the body has no "event" string"#), (#"{"event":null}"#, #"the body has no "event" string"#),
        ])
    func garbage(_ body: String, reason: String) {
        #expect(throws: RazorpayPayloadError(reason: reason)) { try RazorpayEvent.parse(Array(body.utf8)) }
    }

    @Test("invalid UTF-8 is refused, not trapped on")
    func invalidUTF8() {
        #expect(throws: RazorpayPayloadError.self) { try RazorpayEvent.parse([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D]) }
    }

    static func paymentEvent(_ event: String, entity: String) -> [UInt8] {
        Array(#"{"entity":"event","event":"\#(event)","contains":["payment"],"payload":{"payment":{"entity":\#(entity)}}}"#.utf8)
    }
}
