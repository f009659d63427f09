import Foundation
import NIOCore

/// A user the soak signs in as (`loadgen soak`). Access tokens last 15 minutes and a soak
/// runs longer, so each account refreshes its tokens every few minutes (`POST
/// /v1/auth/refresh`, which rotates the refresh token too); clients read `accessToken`
/// whenever they connect or send. Touched only on the soak's event loop.
final class SoakAccount: @unchecked Sendable {
    let email: String
    private(set) var userID = ""
    private(set) var accessToken = ""
    private var refreshToken = ""

    init(email: String) {
        self.email = email
    }

    func login(tenant: String, password: String, pool: HTTPPool) -> EventLoopFuture<Void> {
        let body = Self.json(["tenant": tenant, "email": email, "password": password])
        return pool.send(HTTPRequest(method: .POST, path: "/v1/auth/login", headers: [], body: body))
            .flatMapThrowing { try self.take($0) }
    }

    /// Rotates the tokens; fails with `SoakAnswerError` when the server refuses.
    func refresh(pool: HTTPPool) -> EventLoopFuture<Void> {
        let body = Self.json(["refreshToken": refreshToken])
        return pool.send(HTTPRequest(method: .POST, path: "/v1/auth/refresh", headers: [], body: body))
            .flatMapThrowing { try self.take($0) }
    }

    private func take(_ answer: HTTPAnswer) throws {
        guard answer.status == 200,
              let object = try? JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView)) as? [String: Any],
              let access = object["accessToken"] as? String, let refresh = object["refreshToken"] as? String,
              let user = object["user"] as? [String: Any], let id = user["id"] as? String
        else { throw SoakAnswerError(status: answer.status, body: String(buffer: answer.body)) }
        accessToken = access
        refreshToken = refresh
        userID = id
    }

    static func json(_ object: [String: String]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

/// An answer the soak did not expect.
struct SoakAnswerError: Error, CustomStringConvertible {
    let status: Int
    let body: String
    var description: String { "HTTP \(status): \(body.prefix(200))" }
}
