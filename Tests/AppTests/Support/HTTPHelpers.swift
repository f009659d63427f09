import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// JSON requests and problem checks on top of Hummingbird's test client.
extension TestApp {
    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Logs in and returns the token pair's JSON.
    func login(_ tenant: SeededTenant, _ role: Role, password: String = SeededTenant.password) async throws -> Tokens {
        let response = try await request(
            .post, "/v1/auth/login",
            json: #"{"tenant":"\#(tenant.slug)","email":"\#(tenant.email(role))","password":"\#(password)"}"#
        )
        #expect(response.status == .ok, "login as \(role) failed: \(String(buffer: response.body))")
        return try Tokens(response)
    }

    /// Logs in as `role` and returns the access token.
    func token(_ tenant: SeededTenant, _ role: Role) async throws -> String {
        try await login(tenant, role).accessToken
    }
}

struct Tokens {
    let accessToken: String
    let refreshToken: String
    let json: [String: Any]

    init(_ response: TestResponse) throws {
        json = try response.jsonObject()
        accessToken = json["accessToken"] as? String ?? ""
        refreshToken = json["refreshToken"] as? String ?? ""
    }
}

extension TestResponse {
    func jsonObject() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw TestSetupError("body is not a JSON object: \(String(buffer: body))")
        }
        return object
    }

    var text: String { String(buffer: body) }

    /// Checks the response is an RFC 9457 problem with `status` and returns its JSON.
    @discardableResult
    func expectProblem(_ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        #expect(self.status == status, "expected \(status.code), got \(self.status.code): \(text)", sourceLocation: sourceLocation)
        #expect(headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        let problem = try jsonObject()
        #expect(problem["status"] as? Int == Int(status.code), sourceLocation: sourceLocation)
        #expect((problem["type"] as? String)?.hasPrefix("https://") == true, sourceLocation: sourceLocation)
        #expect(problem["title"] is String, sourceLocation: sourceLocation)
        #expect(problem["detail"] is String, sourceLocation: sourceLocation)
        #expect((problem["requestId"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(headers[HTTPField.Name("X-Request-Id")!] == problem["requestId"] as? String, sourceLocation: sourceLocation)
        return problem
    }
}
