import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Realtime

/// LiveKit's RoomService over Twirp (PROVIDERS.md §3.2): every method is a JSON POST
/// to `{host}/twirp/livekit.RoomService/{Method}` with a fresh 10-minute token
/// carrying the grant the method needs.
public struct RoomServiceClient: Sendable {
    let credentials: LiveKitCredentials
    let httpClient: HTTPClient
    let timeout: TimeAmount

    public init(credentials: LiveKitCredentials, httpClient: HTTPClient = .shared, timeout: TimeAmount = .seconds(5)) {
        self.credentials = credentials
        self.httpClient = httpClient
        self.timeout = timeout
    }

    /// Creates `room`, closed by the SFU `emptyTimeout` seconds after the last
    /// participant leaves (or after creation if nobody joins).
    public func createRoom(_ room: String, emptyTimeout: Int, maxParticipants: Int, logger: Logger) async throws {
        _ = try await call(
            "CreateRoom",
            body: "{\"name\":\(JSONText.quoted(room)),\"empty_timeout\":\(emptyTimeout),\"max_participants\":\(maxParticipants)}",
            grant: .init(roomCreate: true), logger: logger
        )
    }

    /// Deletes `room`, disconnecting everyone in it. A room that is already gone is fine.
    public func deleteRoom(_ room: String, logger: Logger) async throws {
        do {
            _ = try await call("DeleteRoom", body: "{\"room\":\(JSONText.quoted(room))}", grant: .init(roomCreate: true), logger: logger)
        } catch let error as LiveKitError where error.twirpCode == "not_found" {
            return
        }
    }

    func call(_ method: String, body: String, grant: LiveKitAccessToken.VideoGrant, logger: Logger) async throws -> ByteBuffer {
        let now = Date()
        let token = LiveKitAccessToken(
            apiKey: credentials.apiKey, identity: nil, name: nil, metadata: nil, video: grant,
            notBefore: now, expiresAt: now.addingTimeInterval(600)
        ).signed(secret: credentials.apiSecret)
        var request = HTTPClientRequest(url: "\(credentials.apiBaseURL)/twirp/livekit.RoomService/\(method)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.body = .bytes(ByteBuffer(string: body))
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: timeout, logger: logger)
        } catch {
            throw LiveKitError(method: method, status: nil, twirpCode: nil, message: "\(error)")
        }
        let bytes = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(response.status.code) else {
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any]
            throw LiveKitError(
                method: method, status: Int(response.status.code), twirpCode: object?["code"] as? String,
                message: object?["msg"] as? String ?? String(buffer: bytes).prefix(200).description
            )
        }
        return bytes
    }
}

/// A RoomService call that failed: unreachable, or a Twirp error answer.
public struct LiveKitError: Error, CustomStringConvertible, Sendable {
    public let method: String
    public let status: Int?
    public let twirpCode: String?
    public let message: String

    public var description: String {
        "LiveKit \(method) failed: \(status.map { "HTTP \($0)" } ?? "unreachable") \(twirpCode ?? "") \(message)"
    }
}
