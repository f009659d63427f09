import Foundation
import Testing

/// A payment link sent on WhatsApp: the link is made at Razorpay, then queued in
/// the contact's WhatsApp conversation as the given template (the amount and the
/// link as its parameters) and sent through the Graph API; without a template and
/// outside the 24-hour window the link still exists and the answer says why
/// WhatsApp did not carry it.
@Suite("Payment links on WhatsApp", .serialized)
struct PaymentLinkWhatsAppTests {
    @Test("a link sent with a template reaches the Graph API with the amount and the short URL")
    func linkByTemplate() async throws {
        try await GraphStandIn().run { graph in
            try await PaymentsAPI.run { api in
                // setup: Razorpay and WhatsApp configured, a contact with a phone
                let tenant = try await api.seed("paylink")
                let owner = try await api.login(tenant, tenant.owner)
                let configured = try await api.send(
                    .PATCH, "/v1/settings", token: owner,
                    json: ContactsAPI.json([
                        "integrations": [
                            "whatsapp": [
                                "phoneNumberId": "106540352242922", "accessToken": graph.accessToken, "appSecret": "paylink-app-secret",
                                "baseUrl": graph.baseURL,
                            ]
                        ]
                    ]))
                try #require(configured.status == 200, "\(configured.body)")
                let contactID = try await api.contact(owner, name: "Link Lead")
                let contact = try await api.send(.GET, "/v1/contacts/\(contactID)", token: owner)
                let phone = try #require(contact.json["phone"] as? String)

                // act
                let reply = try await api.send(
                    .POST, "/v1/payments/links", token: owner,
                    json: #"{"contactId":"\#(contactID)","amount":29900,"whatsapp":{"template":{"name":"payment_link","language":"en"}}}"#,
                    headers: [("Idempotency-Key", UUID().uuidString)])

                // check: the link, the queued template message, and the Graph send
                try #require(reply.status == 201, "\(reply.body)")
                let payment = try #require(reply.json["payment"] as? [String: Any])
                let shortURL = try #require(payment["shortUrl"] as? String)
                #expect(payment["kind"] as? String == "link")
                let whatsapp = try #require(reply.json["whatsapp"] as? [String: Any], "\(reply.body)")
                #expect(whatsapp["sent"] as? Bool == true, "\(reply.body)")
                let message = try #require(whatsapp["message"] as? [String: Any])
                #expect(message["type"] as? String == "template")
                let delivered = await CallsTests.eventually(timeout: .seconds(15)) { graph.sends.contains { $0.wamid != nil } }
                #expect(delivered, "the Graph stand-in got no accepted send: \(graph.sends.map(\.status))")
                let send = try #require(graph.sends.first { $0.wamid != nil })
                #expect(send.templateName == "payment_link")
                #expect(send.templateParameters == ["INR 299.00", shortURL])
                #expect(send.to == String(phone.dropFirst()))
                #expect(graph.sends.count == 1, "sent \(graph.sends.count) times")
            }
        }
    }

    @Test("without a template, outside the 24-hour window, the link is made and the answer says WhatsApp did not carry it")
    func linkOutsideWindow() async throws {
        try await GraphStandIn().run { graph in
            try await PaymentsAPI.run { api in
                let tenant = try await api.seed("paylink-window")
                let owner = try await api.login(tenant, tenant.owner)
                let configured = try await api.send(
                    .PATCH, "/v1/settings", token: owner,
                    json: ContactsAPI.json([
                        "integrations": [
                            "whatsapp": [
                                "phoneNumberId": "106540352242922", "accessToken": graph.accessToken, "appSecret": "window-app-secret",
                                "baseUrl": graph.baseURL,
                            ]
                        ]
                    ]))
                try #require(configured.status == 200, "\(configured.body)")
                let contactID = try await api.contact(owner, name: "Quiet Lead")

                let reply = try await api.send(
                    .POST, "/v1/payments/links", token: owner, json: #"{"contactId":"\#(contactID)","amount":15000,"whatsapp":{}}"#,
                    headers: [("Idempotency-Key", UUID().uuidString)])

                try #require(reply.status == 201, "\(reply.body)")
                let payment = try #require(reply.json["payment"] as? [String: Any])
                #expect((payment["shortUrl"] as? String)?.isEmpty == false)
                let whatsapp = try #require(reply.json["whatsapp"] as? [String: Any], "\(reply.body)")
                #expect(whatsapp["sent"] as? Bool == false)
                #expect((whatsapp["problem"] as? String)?.contains("template") == true, "\(reply.body)")
                try await Task.sleep(for: .seconds(1))
                #expect(graph.sends.isEmpty, "nothing may be sent: \(graph.sends.count)")
            }
        }
    }
}
