import Foundation
import Testing

@testable import WhatsApp

@Suite("Parsing webhook notifications")
struct WebhookNotificationTests {
    static let phoneNumberID = "106540352242922"

    @Test("the inbound text sample from PROVIDERS.md §1.4")
    func inboundText() throws {
        let notification = try WebhookNotification.parse(Fixture.bytes("inbound-text.json"))
        #expect(notification.statuses.isEmpty)
        #expect(
            notification.messages == [
                InboundMessage(
                    phoneNumberID: Self.phoneNumberID, id: "wamid.HBgMOTE5...", from: "919812345678", profileName: "Asha",
                    timestamp: Date(timeIntervalSince1970: 1_717_000_000), type: "text", text: "hello", replyTo: nil)
            ])
    }

    @Test("a sent status with conversation and pricing")
    func sentStatus() throws {
        let notification = try WebhookNotification.parse(Fixture.bytes("status-sent.json"))
        #expect(notification.messages.isEmpty)
        #expect(
            notification.statuses == [
                StatusUpdate(
                    phoneNumberID: Self.phoneNumberID, messageID: "wamid.HBgM...", status: .sent,
                    timestamp: Date(timeIntervalSince1970: 1_717_000_005), recipientID: "919812345678")
            ])
    }

    @Test("a failed status carries 131047 with its title and details")
    func failedStatus() throws {
        let status = try #require(try WebhookNotification.parse(Fixture.bytes("status-failed-131047.json")).statuses.first)
        #expect(status.status == .failed)
        #expect(status.messageID == "wamid...")
        #expect(status.recipientID == "91...")
        #expect(status.timestamp == Date(timeIntervalSince1970: 1_744_609_253))
        #expect(
            status.errors == [
                .init(
                    code: 131047, title: "Re-engagement message",
                    details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
                )
            ])
    }

    @Test("batched entries and changes are flattened in order; other fields are skipped")
    func batched() throws {
        let notification = try WebhookNotification.parse(Fixture.bytes("batched.json"))
        #expect(notification.messages.map(\.id) == ["wamid.B1", "wamid.A2", "wamid.C1"])
        #expect(notification.messages.map(\.profileName) == ["Ravi", "Asha", nil])
        #expect(notification.messages.map(\.phoneNumberID) == [Self.phoneNumberID, Self.phoneNumberID, "207651463353033"])
        #expect(notification.messages[1].replyTo == "wamid.OUT1")
        #expect(notification.messages[2].timestamp == Date(timeIntervalSince1970: 1_717_000_020))
        // Out of order on the wire; the timestamps tell the true order.
        #expect(notification.statuses.map(\.status) == [.read, .delivered])
        #expect(notification.statuses.map(\.timestamp.timeIntervalSince1970) == [1_717_000_009, 1_717_000_008])
    }

    @Test("other message types are summarised for the inbox")
    func otherTypes() throws {
        let messages = try WebhookNotification.parse(Fixture.bytes("other-types.json")).messages
        #expect(
            messages.map(\.type) == [
                "image", "audio", "button", "interactive", "interactive", "reaction", "location", "location", "contacts",
                "unsupported", "order", "document", "reaction",
            ])
        #expect(
            messages.map(\.text) == [
                "my invoice", "[audio]", "Yes, confirm", "Call me", "Pune branch", "👍", "Shaniwar Wada", "18.5, 73.75",
                "[contacts] Ravi Kumar", "[unsupported]", "[order]", "[document]", "[reaction]",
            ])
        #expect(messages[2].replyTo == "wamid.T1")
    }

    @Test("messages and statuses without an id, sender or timestamp, or with an unknown status, are skipped")
    func skipped() throws {
        let body = #"""
            {"object":"whatsapp_business_account","entry":[{"changes":[{"value":{
              "messages":[{"from":"1","timestamp":"1"},{"id":"wamid.nofrom","timestamp":"1"},{"id":"w","from":"1","timestamp":"soon"},
                {"id":"wamid.ok","from":"1","timestamp":"2"},"not an object"],
              "statuses":[{"id":"s1","status":"deleted","timestamp":"1"},{"id":"s2","status":"read"},
                {"id":"s3","status":"failed","timestamp":"3","errors":[{"title":"no code"},{"code":"131026","title":"Undeliverable"}]}]}}]},
              "not an entry", {"id":"no changes"}]}
            """#
        let notification = try WebhookNotification.parse(Array(body.utf8))
        #expect(notification.messages.map(\.id) == ["wamid.ok"])
        #expect(notification.messages.first?.type == "unknown")
        #expect(notification.messages.first?.text == "[unknown]")
        #expect(notification.messages.first?.phoneNumberID == nil)
        #expect(notification.statuses.map(\.messageID) == ["s3"])
        #expect(notification.statuses.first?.errors == [.init(code: 131026, title: "Undeliverable")])
    }

    @Test("an object with no entries is an empty notification")
    func empty() throws {
        #expect(try WebhookNotification.parse(Array(#"{"object":"whatsapp_business_account","entry":[]}"#.utf8)) == .init())
    }

    @Test(
        "garbage is not a notification",
        arguments: ["", "not json", "[]", "\"text\"", "42", "{}", #"{"entry":[]}"#, #"{"object":"x"}"#, #"{"object":"x","entry":{}}"#])
    func garbage(_ body: String) {
        #expect(throws: WebhookPayloadError.self) { try WebhookNotification.parse(Array(body.utf8)) }
    }

    @Test("invalid UTF-8 is not a notification")
    func invalidBytes() {
        #expect(throws: WebhookPayloadError.self) { try WebhookNotification.parse([0x7B, 0xFF, 0xFE, 0x7D]) }
    }
}
