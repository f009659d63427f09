import Accounts
import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Testing

@testable import App

@Suite("Login, refresh, logout and access tokens")
struct AuthTests {
    @Test("login answers tokens and the user")
    func loginSucceeds() async throws {
        try await TestApp.run { app in
            // setup
            let tenant = try await app.seedTenant("acme")
            // act
            let tokens = try await app.login(tenant, .agent)
            // check
            #expect(!tokens.accessToken.isEmpty && !tokens.refreshToken.isEmpty)
            #expect(tokens.json["expiresIn"] as? Int == 900)
            let user = try #require(tokens.json["user"] as? [String: Any])
            #expect(user["email"] as? String == "agent@acme.test")
            #expect(user["role"] as? String == "agent")
            #expect(user["status"] as? String == "active")
            #expect(user["tenantId"] as? String == tenant.id.uuidString)
            #expect(user["passwordHash"] == nil)
            let me = try await app.request(.get, "/v1/me", token: tokens.accessToken)
            #expect(me.status == .ok)
            #expect(try me.jsonObject()["id"] as? String == tenant.userIDs[.agent]?.uuidString)
        }
    }

    @Test("wrong tenant, email or password give the same 401")
    func loginFailuresLookAlike() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let attempts = [
                #"{"tenant":"nope","email":"agent@acme.test","password":"correct-horse-battery"}"#,
                #"{"tenant":"acme","email":"nobody@acme.test","password":"correct-horse-battery"}"#,
                #"{"tenant":"acme","email":"agent@acme.test","password":"wrong-password-here"}"#,
            ]
            var bodies: Set<String> = []
            for attempt in attempts {
                let response = try await app.request(.post, "/v1/auth/login", json: attempt)
                var problem = try response.expectProblem(.unauthorized)
                #expect(response.headers[.wwwAuthenticate] != nil)
                problem["requestId"] = nil
                problem["instance"] = nil
                bodies.insert(String(describing: problem.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }))
            }
            #expect(bodies.count == 1, "the three failures must be indistinguishable")
            _ = tenant
        }
    }

    @Test("email matches case-insensitively")
    func loginEmailCaseInsensitive() async throws {
        try await TestApp.run { app in
            _ = try await app.seedTenant("acme")
            let response = try await app.request(
                .post, "/v1/auth/login", json: #"{"tenant":"acme","email":"AGENT@Acme.TEST","password":"correct-horse-battery"}"#
            )
            #expect(response.status == .ok)
        }
    }

    @Test("a disabled user gets 403 at login and loses their tokens within seconds")
    func disabledUser() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let agent = try await app.token(tenant, .agent)
            let admin = try await app.token(tenant, .admin)
            // act
            let disabled = try await app.request(.delete, "/v1/users/\(tenant.userIDs[.agent]!)", token: admin)
            #expect(disabled.status == .ok)
            // check: login refused, existing token dead within the cache lifetime
            let login = try await app.request(
                .post, "/v1/auth/login", json: #"{"tenant":"acme","email":"agent@acme.test","password":"correct-horse-battery"}"#
            )
            let problem = try login.expectProblem(.forbidden)
            #expect((problem["type"] as? String)?.hasSuffix("user-disabled") == true)
            try await expectEventuallyUnauthorized(app, token: agent)
        }
    }

    @Test("a suspended tenant gets 403 at login and its tokens stop working")
    func suspendedTenant() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let suspend = try await app.request(
                .patch, "/v1/operator/tenants/\(tenant.id)", token: app.config.operatorToken, json: #"{"status":"suspended"}"#
            )
            #expect(suspend.status == .ok)
            let login = try await app.request(
                .post, "/v1/auth/login", json: #"{"tenant":"acme","email":"owner@acme.test","password":"correct-horse-battery"}"#
            )
            let problem = try login.expectProblem(.forbidden)
            #expect((problem["type"] as? String)?.hasSuffix("tenant-suspended") == true)
            try await expectEventuallyUnauthorized(app, token: owner)
        }
    }

    @Test("refresh rotates: the new pair works, the old refresh token does not")
    func refreshRotates() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let first = try await app.login(tenant, .agent)
            let refreshed = try await app.request(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(first.refreshToken)"}"#)
            #expect(refreshed.status == .ok)
            let second = try Tokens(refreshed)
            #expect(second.refreshToken != first.refreshToken)
            #expect(try await app.request(.get, "/v1/me", token: second.accessToken).status == .ok)
            let third = try await app.request(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(second.refreshToken)"}"#)
            #expect(third.status == .ok)
        }
    }

    @Test("presenting a used refresh token revokes the whole family")
    func refreshReuseRevokesFamily() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let first = try await app.login(tenant, .agent)
            let second = try Tokens(try await app.request(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(first.refreshToken)"}"#))
            // act: the stolen first token is replayed
            let replay = try await app.request(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(first.refreshToken)"}"#)
            try replay.expectProblem(.unauthorized)
            // check: the legitimate newer token is dead too, and so is its access token
            let after = try await app.request(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(second.refreshToken)"}"#)
            try after.expectProblem(.unauthorized)
            try await expectEventuallyUnauthorized(app, token: second.accessToken)
            // another session of the same user is untouched
            let other = try await app.login(tenant, .agent)
            #expect(try await app.request(.get, "/v1/me", token: other.accessToken).status == .ok)
        }
    }

    @Test("logout revokes the session")
    func logout() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let tokens = try await app.login(tenant, .customer)
            let response = try await app.request(.post, "/v1/auth/logout", json: #"{"refreshToken":"\#(tokens.refreshToken)"}"#)
            #expect(response.status == .noContent)
            let refresh = try await app.request(.post, "/v1/auth/refresh", json: #"{"refreshToken":"\#(tokens.refreshToken)"}"#)
            try refresh.expectProblem(.unauthorized)
            try await expectEventuallyUnauthorized(app, token: tokens.accessToken)
        }
    }

    @Test("garbage, tampered, forged, unsigned and expired access tokens are refused")
    func badAccessTokens() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let good = try await app.token(tenant, .owner)
            let parts = good.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            try #require(parts.count == 3)
            // A payload claiming another role, with the original signature.
            var payload = try #require(Data(base64URL: parts[1]).flatMap { try JSONSerialization.jsonObject(with: $0) as? [String: Any] })
            payload["role"] = "owner"
            payload["sub"] = UUID().uuidString
            let tamperedPayload = try JSONSerialization.data(withJSONObject: payload).base64URL
            let tampered = [parts[0], tamperedPayload, parts[2]].joined(separator: ".")
            let unsigned = [Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64URL, parts[1], ""].joined(separator: ".")
            let forged = try await Self.sign(tenant: tenant, secret: Array("another-secret-of-at-least-32-bytes!".utf8), expiresIn: 600)
            let expired = try await Self.sign(tenant: tenant, secret: app.config.jwtSecret, expiresIn: -60)

            for token in ["garbage", tampered, unsigned, forged, expired] {
                let response = try await app.request(.get, "/v1/me", token: token)
                try response.expectProblem(.unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            let missing = try await app.request(.get, "/v1/me")
            try missing.expectProblem(.unauthorized)
        }
    }

    @Test("repeated failed logins answer 429 with Retry-After, even with the right password")
    func rateLimited() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            for _ in 0..<app.config.loginLimits.failuresPerAccount {
                let response = try await app.request(
                    .post, "/v1/auth/login", json: #"{"tenant":"acme","email":"agent@acme.test","password":"wrong-password-1"}"#
                )
                try response.expectProblem(.unauthorized)
            }
            let blocked = try await app.request(
                .post, "/v1/auth/login", json: #"{"tenant":"acme","email":"agent@acme.test","password":"correct-horse-battery"}"#
            )
            try blocked.expectProblem(.tooManyRequests)
            let retryAfter = try #require(blocked.headers[.retryAfter].flatMap(Int.init))
            #expect(retryAfter > 0 && retryAfter <= 900)
            // Another account of the same tenant is not blocked by this one's failures.
            _ = try await app.login(tenant, .owner)
        }
    }

    @Test("failures from one address across many accounts are limited too")
    func rateLimitedPerAddress() async throws {
        try await TestApp.run { app in
            _ = try await app.seedTenant("acme")
            for index in 0..<app.config.loginLimits.failuresPerAddress {
                let response = try await app.request(
                    .post, "/v1/auth/login", json: #"{"tenant":"acme","email":"user\#(index)@acme.test","password":"wrong-password-1"}"#
                )
                try response.expectProblem(.unauthorized)
            }
            let blocked = try await app.request(
                .post, "/v1/auth/login", json: #"{"tenant":"acme","email":"owner@acme.test","password":"correct-horse-battery"}"#
            )
            try blocked.expectProblem(.tooManyRequests)
        }
    }

    /// An access token signed with `secret`, for the tenant's owner.
    static func sign(tenant: SeededTenant, secret: [UInt8], expiresIn: TimeInterval) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(key: .init(data: secret)), digestAlgorithm: .sha256)
        let now = Date()
        return try await keys.sign(
            AccessTokenClaims(
                sub: .init(value: tenant.userIDs[.owner]!.uuidString), tid: tenant.id, role: .owner, sid: UUID(),
                iss: .init(value: AccessTokenClaims.issuer), iat: .init(value: now.addingTimeInterval(-120)),
                exp: .init(value: now.addingTimeInterval(expiresIn)), jti: .init(value: UUID().uuidString)
            )
        )
    }
}

/// Polls until `token` is refused: revocations take effect within the principal cache's
/// lifetime (2 s), so 6 s is a generous bound that still proves "seconds, not minutes".
func expectEventuallyUnauthorized(_ app: TestApp, token: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let deadline = ContinuousClock.now + .seconds(6)
    while ContinuousClock.now < deadline {
        if try await app.request(.get, "/v1/me", token: token).status == .unauthorized { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    Issue.record("token still accepted 6 s after revocation", sourceLocation: sourceLocation)
}

extension Data {
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init?(base64URL: String) {
        var text = base64URL.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        self.init(base64Encoded: text)
    }
}
