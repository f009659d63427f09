import Accounts
import Foundation
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing

@testable import App

@Suite("Tenant settings and write-only integration secrets")
struct SettingsTests {
    static let keySecret = "rzp_secret_Q2hhbmdlTWVQbGVhc2VOb3RBUmVhbFNlY3JldA9f3K"
    static let webhookSecret = "whsec_0123456789abcdefghijklmnopWXYZ"

    @Test("a new tenant has the defaults and no secrets")
    func defaults() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let admin = try await app.token(tenant, .admin)
            let response = try await app.request(.get, "/v1/settings", token: admin)
            #expect(response.status == .ok)
            #expect(response.headers[.requestID]?.isEmpty == false)
            let settings = try response.jsonObject()
            #expect(settings["defaultCountryCode"] as? String == "+91")
            #expect(settings["timezone"] as? String == "Asia/Kolkata")
            let summary = try #require(settings["tenant"] as? [String: Any])
            #expect(summary["id"] as? String == tenant.id.uuidString)
            #expect(summary["slug"] as? String == "acme")
            #expect(summary["status"] as? String == "active")
            for path in Self.secretPaths {
                let secret = try #require(Self.secret(settings, path), "\(path) missing")
                #expect(secret["configured"] as? Bool == false, "\(path)")
                #expect(Self.isAbsent(secret["last4"]), "\(path)")
            }
            // The owner may read them too.
            let owner = try await app.token(tenant, .owner)
            #expect(try await app.request(.get, "/v1/settings", token: owner).status == .ok)
        }
    }

    @Test("PATCH sets plain settings and secrets; reads show only configured and last4")
    func patchSetsSettingsAndSecrets() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let admin = try await app.token(tenant, .admin)
            let body = """
                {"timezone":"Europe/London","defaultCountryCode":"+44",
                 "integrations":{"razorpay":{"keyId":"rzp_live_ABC123","keySecret":"\(Self.keySecret)","webhookSecret":"\(Self.webhookSecret)"},
                                 "livekit":{"url":"wss://rtc.example.com","apiKey":"APIkey123"}}}
                """
            let patched = try await app.request(.patch, "/v1/settings", token: admin, json: body)
            #expect(patched.status == .ok, "\(patched.text)")
            let fetched = try await app.request(.get, "/v1/settings", token: admin)
            #expect(fetched.status == .ok)

            for response in [patched, fetched] {
                let settings = try response.jsonObject()
                #expect(settings["timezone"] as? String == "Europe/London")
                #expect(settings["defaultCountryCode"] as? String == "+44")
                let razorpay = try #require((settings["integrations"] as? [String: Any])?["razorpay"] as? [String: Any])
                #expect(razorpay["keyId"] as? String == "rzp_live_ABC123")
                let keySecret = try #require(razorpay["keySecret"] as? [String: Any])
                #expect(keySecret["configured"] as? Bool == true)
                #expect(keySecret["last4"] as? String == String(Self.keySecret.suffix(4)))
                #expect(keySecret["updatedAt"] is String)
                let webhook = try #require(razorpay["webhookSecret"] as? [String: Any])
                #expect(webhook["configured"] as? Bool == true)
                #expect(webhook["last4"] as? String == "WXYZ")
                let livekit = try #require((settings["integrations"] as? [String: Any])?["livekit"] as? [String: Any])
                #expect(livekit["url"] as? String == "wss://rtc.example.com")
                #expect(livekit["apiKey"] as? String == "APIkey123")
                #expect((livekit["apiSecret"] as? [String: Any])?["configured"] as? Bool == false)
                // Secrets never come back.
                #expect(!response.text.contains(Self.keySecret))
                #expect(!response.text.contains(Self.webhookSecret))
            }

            // Nor do they appear in the audit trail, which records what changed.
            let audit = try await app.request(.get, "/v1/audit", token: admin)
            #expect(audit.status == .ok)
            #expect(!audit.text.contains(Self.keySecret))
            #expect(!audit.text.contains(Self.webhookSecret))
            #expect(!audit.text.contains(String(Self.keySecret.dropFirst(4).dropLast(4))))
            let items = try #require(try audit.jsonObject()["items"] as? [[String: Any]])
            let entry = try #require(items.first { $0["action"] as? String == "settings.updated" })
            let fields = ((entry["details"] as? [String: Any])?["fields"] as? String ?? "").split(separator: ",").map(String.init)
            #expect(fields.contains("timezone"))
            #expect(fields.contains("secrets.razorpay.keySecret"))
            #expect(entry["actorUserId"] as? String == tenant.userIDs[.admin]?.uuidString)
        }
    }

    @Test("secrets are stored sealed under the master key, bound to tenant and name")
    func secretsStoredEncrypted() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let admin = try await app.token(tenant, .admin)
            let patched = try await app.request(
                .patch, "/v1/settings", token: admin, json: #"{"integrations":{"razorpay":{"keySecret":"\#(Self.keySecret)"}}}"#
            )
            #expect(patched.status == .ok)

            let rows = try await Self.storedSecrets(app, tenant: tenant.id)
            let sealed = try #require(rows["razorpay.keySecret"])
            #expect(rows.count == 1)
            #expect(sealed.last4 == String(Self.keySecret.suffix(4)))
            let plaintext = Array(Self.keySecret.utf8)
            #expect(!sealed.ciphertext.containsSubsequence(plaintext), "the plaintext is stored in clear")
            #expect(!sealed.ciphertext.containsSubsequence(Array(plaintext.prefix(16))))
            // nonce (12) + ciphertext + tag (16)
            #expect(sealed.ciphertext.count == plaintext.count + 28)

            // It opens under the configured master key for this tenant and name, and no other.
            let box = SecretBox(masterKey: app.config.masterKey)
            #expect(try box.open(sealed.ciphertext, tenantID: tenant.id, name: "razorpay.keySecret") == Self.keySecret)
            #expect(throws: (any Error).self) { try box.open(sealed.ciphertext, tenantID: UUID(), name: "razorpay.keySecret") }
            #expect(throws: (any Error).self) { try box.open(sealed.ciphertext, tenantID: tenant.id, name: "razorpay.webhookSecret") }
        }
    }

    @Test("setting a secret to an empty string removes it")
    func emptySecretRemoves() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let set = try await app.request(
                .patch, "/v1/settings", token: owner,
                json: #"{"integrations":{"razorpay":{"keySecret":"\#(Self.keySecret)","webhookSecret":"\#(Self.webhookSecret)"}}}"#
            )
            #expect(set.status == .ok)
            let removed = try await app.request(
                .patch, "/v1/settings", token: owner, json: #"{"integrations":{"razorpay":{"keySecret":""}}}"#)
            #expect(removed.status == .ok)
            let settings = try await app.request(.get, "/v1/settings", token: owner).jsonObject()
            let keySecret = try #require(Self.secret(settings, ["razorpay", "keySecret"]))
            #expect(keySecret["configured"] as? Bool == false)
            #expect(Self.isAbsent(keySecret["last4"]))
            // The other secret stays.
            #expect(Self.secret(settings, ["razorpay", "webhookSecret"])?["configured"] as? Bool == true)
            let rows = try await Self.storedSecrets(app, tenant: tenant.id)
            #expect(Set(rows.keys) == ["razorpay.webhookSecret"])
        }
    }

    @Test("a short secret is configured but shows no last4")
    func shortSecretHidesLast4() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let admin = try await app.token(tenant, .admin)
            let response = try await app.request(
                .patch, "/v1/settings", token: admin, json: #"{"integrations":{"whatsapp":{"verifyToken":"abc12345"}}}"#
            )
            #expect(response.status == .ok)
            let verify = try #require(Self.secret(try response.jsonObject(), ["whatsapp", "verifyToken"]))
            #expect(verify["configured"] as? Bool == true)
            #expect(Self.isAbsent(verify["last4"]))
            #expect(!response.text.contains("abc12345"))
        }
    }

    @Test("invalid timezone, country code or LiveKit URL answer 422 with pointers and change nothing")
    func invalidValuesChangeNothing() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let admin = try await app.token(tenant, .admin)
            let before = try Self.canonical(try await app.request(.get, "/v1/settings", token: admin))

            let all = try await app.request(
                .patch, "/v1/settings", token: admin,
                json:
                    #"{"timezone":"Mars/Olympus_Mons","defaultCountryCode":"91","integrations":{"livekit":{"url":"ftp://rtc.example.com"}}}"#
            )
            let problem = try all.expectProblem(.unprocessableContent)
            let pointers = Set((problem["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String })
            #expect(pointers == ["/timezone", "/defaultCountryCode", "/integrations/livekit/url"])

            // Each invalid value alongside valid ones (including a secret): nothing is applied.
            let cases: [(String, String)] = [
                (#""timezone":"Not/AZone""#, "/timezone"),
                (#""defaultCountryCode":"+12345""#, "/defaultCountryCode"),
                (#""defaultCountryCode":"+9a""#, "/defaultCountryCode"),
                (#""integrations":{"livekit":{"url":"not a url"}}"#, "/integrations/livekit/url"),
                (#""integrations":{"livekit":{"url":"wss://"}}"#, "/integrations/livekit/url"),
            ]
            for (invalid, pointer) in cases {
                let response = try await app.request(
                    .patch, "/v1/settings", token: admin,
                    json: #"{"name":"Renamed Inc",\#(invalid)}"#
                )
                let problem = try response.expectProblem(.unprocessableContent)
                #expect((problem["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } == [pointer], "\(invalid)")
            }
            let withSecret = try await app.request(
                .patch, "/v1/settings", token: admin,
                json: #"{"timezone":"Europe/Nowhere","integrations":{"razorpay":{"keyId":"rzp_live_X","keySecret":"\#(Self.keySecret)"}}}"#
            )
            try withSecret.expectProblem(.unprocessableContent)

            let after = try Self.canonical(try await app.request(.get, "/v1/settings", token: admin))
            #expect(after == before, "a rejected PATCH changed the settings")
            #expect(try await Self.storedSecrets(app, tenant: tenant.id).isEmpty)
            // No audit entry for rejected changes.
            let audit = try await app.request(.get, "/v1/audit", token: admin).jsonObject()
            let actions = (audit["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(!actions.contains("settings.updated"))
        }
    }

    @Test("an empty PATCH answers 422")
    func emptyPatch() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let admin = try await app.token(tenant, .admin)
            for body in ["{}", #"{"integrations":{}}"#, #"{"integrations":{"razorpay":{}}}"#] {
                let response = try await app.request(.patch, "/v1/settings", token: admin, json: body)
                try response.expectProblem(.unprocessableContent)
            }
        }
    }

    @Test("agents and customers may neither read nor change settings")
    func rolesEnforced() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            for role in [Role.agent, .customer] {
                let token = try await app.token(tenant, role)
                try await app.request(.get, "/v1/settings", token: token).expectProblem(.forbidden)
                try await app.request(.patch, "/v1/settings", token: token, json: #"{"timezone":"Europe/London"}"#)
                    .expectProblem(.forbidden)
            }
            let admin = try await app.token(tenant, .admin)
            let settings = try await app.request(.get, "/v1/settings", token: admin).jsonObject()
            #expect(settings["timezone"] as? String == "Asia/Kolkata")
        }
    }

    @Test("one tenant's settings do not touch another's")
    func tenantsIsolated() async throws {
        try await TestApp.run { app in
            let acme = try await app.seedTenant("acme")
            let globex = try await app.seedTenant("globex")
            let acmeAdmin = try await app.token(acme, .admin)
            let globexAdmin = try await app.token(globex, .admin)
            let patched = try await app.request(
                .patch, "/v1/settings", token: acmeAdmin,
                json: #"{"timezone":"Europe/London","integrations":{"razorpay":{"keySecret":"\#(Self.keySecret)"}}}"#
            )
            #expect(patched.status == .ok)
            let other = try await app.request(.get, "/v1/settings", token: globexAdmin).jsonObject()
            #expect(other["timezone"] as? String == "Asia/Kolkata")
            #expect(Self.secret(other, ["razorpay", "keySecret"])?["configured"] as? Bool == false)
            #expect((other["tenant"] as? [String: Any])?["slug"] as? String == "globex")
            #expect(try await Self.storedSecrets(app, tenant: globex.id).isEmpty)
        }
    }

    // MARK: - SecretBox

    @Test("SecretBox opens what it sealed, only for the same tenant, name and key")
    func secretBoxBinding() throws {
        let key = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let box = SecretBox(masterKey: key)
        let tenant = UUID()
        let sealed = try box.seal("s3cr3t-value-é", tenantID: tenant, name: "razorpay.keySecret")
        #expect(try box.open(sealed, tenantID: tenant, name: "razorpay.keySecret") == "s3cr3t-value-é")
        #expect(!sealed.containsSubsequence(Array("s3cr3t-value".utf8)))

        #expect(throws: (any Error).self) { try box.open(sealed, tenantID: UUID(), name: "razorpay.keySecret") }
        #expect(throws: (any Error).self) { try box.open(sealed, tenantID: tenant, name: "razorpay.webhookSecret") }
        #expect(throws: (any Error).self) { try box.open(sealed, tenantID: tenant, name: "") }
        var otherKey = key
        otherKey[0] ^= 0xFF
        #expect(throws: (any Error).self) { try SecretBox(masterKey: otherKey).open(sealed, tenantID: tenant, name: "razorpay.keySecret") }
        var tampered = sealed
        tampered[tampered.count / 2] ^= 0x01
        #expect(throws: (any Error).self) { try box.open(tampered, tenantID: tenant, name: "razorpay.keySecret") }
        #expect(throws: (any Error).self) { try box.open(Array(sealed.prefix(10)), tenantID: tenant, name: "razorpay.keySecret") }

        // A fresh nonce each time: sealing twice gives different bytes.
        let again = try box.seal("s3cr3t-value-é", tenantID: tenant, name: "razorpay.keySecret")
        #expect(again != sealed)
        #expect(try box.open(again, tenantID: tenant, name: "razorpay.keySecret") == "s3cr3t-value-é")
        // An empty secret round-trips too.
        #expect(try box.open(try box.seal("", tenantID: tenant, name: "x"), tenantID: tenant, name: "x") == "")
    }

    // MARK: - Helpers

    static let secretPaths: [[String]] = [
        ["whatsapp", "accessToken"], ["whatsapp", "appSecret"], ["whatsapp", "verifyToken"],
        ["razorpay", "keySecret"], ["razorpay", "webhookSecret"], ["livekit", "apiSecret"],
    ]

    static func secret(_ settings: [String: Any], _ path: [String]) -> [String: Any]? {
        var node = settings["integrations"] as? [String: Any]
        for key in path { node = node?[key] as? [String: Any] }
        return node
    }

    /// The JSON body re-serialized with sorted keys, so that two equal documents compare equal.
    static func canonical(_ response: TestResponse) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func isAbsent(_ value: Any?) -> Bool {
        value == nil || value is NSNull
    }

    struct StoredSecret {
        let ciphertext: [UInt8]
        let last4: String
    }

    /// The tenant's rows of `tenant_secrets`, read directly in the tenant's scope.
    static func storedSecrets(_ app: TestApp, tenant: UUID) async throws -> [String: StoredSecret] {
        let logger = Logger(label: "settings-tests")
        return try await app.database.withTenant(tenant, logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT name, ciphertext, last4 FROM tenant_secrets WHERE tenant_id = \(tenant)", logger: logger
            )
            var stored: [String: StoredSecret] = [:]
            for try await (name, ciphertext, last4) in rows.decode((String, Data, String).self) {
                stored[name] = StoredSecret(ciphertext: Array(ciphertext), last4: last4)
            }
            return stored
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        return (0...(count - needle.count)).contains { start in self[start..<(start + needle.count)].elementsEqual(needle) }
    }
}
