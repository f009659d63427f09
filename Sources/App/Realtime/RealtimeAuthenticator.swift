import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Realtime

/// Admits a real-time client: the access token from `Authorization: Bearer` or, for
/// browsers that cannot set headers on a WebSocket, the `access_token` query
/// parameter (the access log never records queries); the resume position from
/// `Last-Event-ID` or `lastEventId`; and the per-user connection cap.
struct RealtimeAuthenticator: Sendable {
    let tokens: AccessTokenAuthenticator
    let hub: RealtimeHub

    struct Admission: Sendable {
        let principal: Principal
        let expiresAt: Date
        let resumeAfter: EventPosition?

        /// The hub's view of the client; `channel` is its socket, closed outright
        /// when a write stays stuck after the connection was closed.
        func connection(_ transport: RealtimeConnection.Transport, channel: any Channel) -> RealtimeConnection {
            RealtimeConnection(
                tenantID: principal.tenantID, userID: principal.userID, role: principal.role,
                sessionID: principal.sessionID, expiresAt: expiresAt, transport: transport,
                abort: { channel.close(promise: nil) }
            )
        }
    }

    /// The admission, or the problem to answer (401, 400 or 429).
    func admit(_ request: Request, logger: Logger) async throws -> Admission {
        guard let token = AccessTokenAuthenticator.bearerToken(in: request) ?? Self.queryToken(in: request) else {
            throw AppError.unauthorized(
                "Send an access token as `Authorization: Bearer <token>` or as the `access_token` query parameter.",
                error: "invalid_request"
            )
        }
        let (principal, claims) = try await tokens.authenticateWithClaims(token, logger: logger)
        var resumeAfter: EventPosition?
        if let raw = request.headers[.lastEventID] ?? request.uri.queryParameters.get("lastEventId"), !raw.isEmpty {
            guard let position = EventPosition(raw) else {
                throw AppError.validation(pointer: "/lastEventId", "Not an event id this server issued.")
            }
            resumeAfter = position
        }
        guard hub.connections.count(tenantID: principal.tenantID, userID: principal.userID) < hub.connections.maximumPerUser else {
            throw AppError(
                .tooManyRequests, kind: "too-many-connections", title: "Too many real-time connections",
                detail: "This user already holds \(hub.connections.maximumPerUser) real-time connections on this server; close one first."
            )
        }
        return Admission(principal: principal, expiresAt: claims.exp.value, resumeAfter: resumeAfter)
    }

    static func queryToken(in request: Request) -> String? {
        guard let token = request.uri.queryParameters.get("access_token"), !token.isEmpty, token.utf8.count <= 4096 else { return nil }
        return token
    }
}

extension HTTPField.Name {
    static let lastEventID = Self("Last-Event-ID")!
}
