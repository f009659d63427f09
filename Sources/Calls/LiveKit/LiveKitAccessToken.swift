import Accounts
import Crypto
import Foundation
import Realtime

/// A LiveKit access token (PROVIDERS.md §3.1): an HS256 JWT signed with the API
/// secret, `iss` = API key, `sub` = participant identity, and LiveKit's `name`,
/// `metadata` and `video` grant claims.
///
/// Written by hand rather than through a JWT library so the claims keep LiveKit's
/// names and order exactly, and the worked example in PROVIDERS.md reproduces byte
/// for byte.
public struct LiveKitAccessToken: Sendable, Equatable {
    /// The `video` grant.
    public struct VideoGrant: Sendable, Equatable {
        public var room: String?
        public var roomJoin: Bool?
        public var roomCreate: Bool?
        public var roomList: Bool?
        public var roomAdmin: Bool?
        public var canPublish: Bool?
        public var canSubscribe: Bool?
        public var canPublishData: Bool?

        public init(
            room: String? = nil, roomJoin: Bool? = nil, roomCreate: Bool? = nil, roomList: Bool? = nil, roomAdmin: Bool? = nil,
            canPublish: Bool? = nil, canSubscribe: Bool? = nil, canPublishData: Bool? = nil
        ) {
            self.room = room
            self.roomJoin = roomJoin
            self.roomCreate = roomCreate
            self.roomList = roomList
            self.roomAdmin = roomAdmin
            self.canPublish = canPublish
            self.canSubscribe = canSubscribe
            self.canPublishData = canPublishData
        }

        /// Join one room and publish and subscribe in it: what a call participant gets.
        public static func join(_ room: String) -> VideoGrant {
            VideoGrant(room: room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true)
        }

        var json: String {
            var fields: [String] = []
            if let room { fields.append("\"room\":\(JSONText.quoted(room))") }
            let flags: [(String, Bool?)] = [
                ("roomJoin", roomJoin), ("roomCreate", roomCreate), ("roomList", roomList), ("roomAdmin", roomAdmin),
                ("canPublish", canPublish), ("canSubscribe", canSubscribe), ("canPublishData", canPublishData),
            ]
            for (name, value) in flags {
                if let value { fields.append("\"\(name)\":\(value)") }
            }
            return "{" + fields.joined(separator: ",") + "}"
        }
    }

    public var apiKey: String
    public var identity: String?
    public var name: String?
    /// Free-form text the SFU passes to other participants (we put JSON in it).
    public var metadata: String?
    public var video: VideoGrant
    public var notBefore: Date
    public var expiresAt: Date

    public init(
        apiKey: String, identity: String?, name: String?, metadata: String?, video: VideoGrant, notBefore: Date, expiresAt: Date
    ) {
        self.apiKey = apiKey
        self.identity = identity
        self.name = name
        self.metadata = metadata
        self.video = video
        self.notBefore = notBefore
        self.expiresAt = expiresAt
    }

    /// The compact JSON payload, in LiveKit's claim order.
    public var payloadJSON: String {
        var fields = ["\"iss\":\(JSONText.quoted(apiKey))"]
        if let identity { fields.append("\"sub\":\(JSONText.quoted(identity))") }
        fields.append("\"nbf\":\(Int64(notBefore.timeIntervalSince1970))")
        fields.append("\"exp\":\(Int64(expiresAt.timeIntervalSince1970))")
        if let name { fields.append("\"name\":\(JSONText.quoted(name))") }
        if let metadata { fields.append("\"metadata\":\(JSONText.quoted(metadata))") }
        fields.append("\"video\":\(video.json)")
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// The signed token.
    public func signed(secret: String) -> String {
        let header = Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8).base64URLEncoded()
        let payload = Data(payloadJSON.utf8).base64URLEncoded()
        let input = header + "." + payload
        let signature = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + Data(signature).base64URLEncoded()
    }
}

