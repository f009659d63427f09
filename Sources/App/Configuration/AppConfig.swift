import Calls
import Foundation
import Logging
import Persistence
import Realtime

/// Everything the server reads from its environment, validated in one pass.
public struct AppConfig: Sendable {
    public var databaseURL: DatabaseURL
    public var host: String
    public var port: Int
    public var jwtSecret: [UInt8]
    public var masterKey: [UInt8]
    public var operatorToken: String
    public var logLevel: Logger.Level
    /// bcrypt cost (4...31); lower only in tests.
    public var bcryptCost: UInt8
    public var databaseMaxConnections: Int
    /// Start even if the database role can bypass row-level security (logged loudly).
    public var allowRowLevelSecurityBypass: Bool
    public var loginLimits: LoginLimits
    /// How long outbox events are kept for clients to resume from.
    public var eventRetention: Duration
    public var realtime: RealtimeSettings
    /// The global LiveKit server (`LIVEKIT_*`); tenants may override it in settings.
    public var livekit: LiveKitCredentials?

    public init(
        databaseURL: DatabaseURL, host: String = "127.0.0.1", port: Int = 8080,
        jwtSecret: [UInt8], masterKey: [UInt8], operatorToken: String,
        logLevel: Logger.Level = .info, bcryptCost: UInt8 = 12, databaseMaxConnections: Int = 20,
        allowRowLevelSecurityBypass: Bool = false, loginLimits: LoginLimits = .init(),
        eventRetention: Duration = .seconds(24 * 3600), realtime: RealtimeSettings = .init(),
        livekit: LiveKitCredentials? = nil
    ) {
        self.databaseURL = databaseURL
        self.host = host
        self.port = port
        self.jwtSecret = jwtSecret
        self.masterKey = masterKey
        self.operatorToken = operatorToken
        self.logLevel = logLevel
        self.bcryptCost = bcryptCost
        self.databaseMaxConnections = databaseMaxConnections
        self.allowRowLevelSecurityBypass = allowRowLevelSecurityBypass
        self.loginLimits = loginLimits
        self.eventRetention = eventRetention
        self.realtime = realtime
        self.livekit = livekit
    }
}

/// How many failed logins are tolerated before answering 429.
public struct LoginLimits: Sendable {
    public var failuresPerAccount: Int
    public var failuresPerAddress: Int
    public var window: Duration

    public init(failuresPerAccount: Int = 5, failuresPerAddress: Int = 20, window: Duration = .seconds(900)) {
        self.failuresPerAccount = failuresPerAccount
        self.failuresPerAddress = failuresPerAddress
        self.window = window
    }
}
