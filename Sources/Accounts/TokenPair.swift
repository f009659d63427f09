/// What a successful login or refresh answers.
public struct TokenPair: Sendable {
    public let accessToken: String
    public let refreshToken: String
    /// Seconds until the access token expires.
    public let expiresIn: Int
    public let user: User
}
