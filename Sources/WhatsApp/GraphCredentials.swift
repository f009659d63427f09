/// Where and as whom to call the Graph API for one tenant's number.
///
/// Each tenant brings its own WhatsApp Business number, so every send carries its
/// credentials rather than the client holding one set.
public struct GraphCredentials: Sendable, Equatable {
    /// Scheme and host, no trailing path: tests point it at a local stand-in.
    public var baseURL: String
    /// The Graph API version path segment, such as "v21.0" (PROVIDERS.md §1.1 sees v17 to v24).
    public var apiVersion: String
    /// The Cloud API phone number id (not the phone number itself).
    public var phoneNumberID: String
    /// A system-user or business access token; never logged.
    public var accessToken: String

    public init(
        baseURL: String = GraphCredentials.defaultBaseURL, apiVersion: String = GraphCredentials.defaultAPIVersion,
        phoneNumberID: String, accessToken: String
    ) {
        self.baseURL = baseURL
        self.apiVersion = apiVersion
        self.phoneNumberID = phoneNumberID
        self.accessToken = accessToken
    }

    public static let defaultBaseURL = "https://graph.facebook.com"
    public static let defaultAPIVersion = "v21.0"

    /// `{baseURL}/{apiVersion}/{phoneNumberID}/messages`, each path segment percent-encoded
    /// so that a stray character in stored settings cannot change the path.
    var messagesURL: String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/\(Self.segment(apiVersion))/\(Self.segment(phoneNumberID))/messages"
    }

    private static func segment(_ text: String) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        let hex = Array("0123456789ABCDEF")
        var encoded = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 0x0F)])"
            }
        }
        return encoded
    }
}
