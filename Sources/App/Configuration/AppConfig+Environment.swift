import Calls
import Foundation
import Logging
import Persistence
import Realtime

/// Every problem found in the environment, reported together.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String {
        "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

extension AppConfig {
    /// Reads and validates the configuration; `overrides` (from flags) win over the environment.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: [String: String] = [:]
    ) throws -> AppConfig {
        let env = environment.merging(overrides) { _, override in override }
        var problems: [String] = []

        func required(_ key: String) -> String? {
            guard let value = env[key], !value.isEmpty else {
                problems.append("\(key) is required")
                return nil
            }
            return value
        }

        var databaseURL: DatabaseURL?
        if let raw = required("DATABASE_URL") {
            databaseURL = DatabaseURL(raw)
            if databaseURL == nil { problems.append("DATABASE_URL must look like postgres://user:password@host:5432/database") }
        }

        let host = env["SWITCHBOARD_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        let port = integer(env["SWITCHBOARD_PORT"], key: "SWITCHBOARD_PORT", default: 8080, range: 0...65535, problems: &problems)

        var jwtSecret: [UInt8]?
        if let path = env["SWITCHBOARD_JWT_SECRET_FILE"], !path.isEmpty {
            if let data = FileManager.default.contents(atPath: path) {
                jwtSecret = Array(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).utf8)
            } else {
                problems.append("SWITCHBOARD_JWT_SECRET_FILE: cannot read \(path)")
            }
        } else if let secret = required("SWITCHBOARD_JWT_SECRET") {
            jwtSecret = Array(secret.utf8)
        }
        if let secret = jwtSecret, secret.count < 32 {
            problems.append("SWITCHBOARD_JWT_SECRET must be at least 32 bytes")
        }

        var masterKey: [UInt8]?
        if let raw = required("SWITCHBOARD_MASTER_KEY") {
            masterKey = KeyEncoding.decode32Bytes(raw)
            if masterKey == nil { problems.append("SWITCHBOARD_MASTER_KEY must be 32 bytes as 64 hex digits or base64") }
        }

        let operatorToken = required("SWITCHBOARD_OPERATOR_TOKEN")
        if let token = operatorToken, token.count < 32 {
            problems.append("SWITCHBOARD_OPERATOR_TOKEN must be at least 32 characters")
        }

        var logLevel = Logger.Level.info
        if let raw = env["SWITCHBOARD_LOG_LEVEL"], !raw.isEmpty {
            if let level = Logger.Level(rawValue: raw.lowercased()) {
                logLevel = level
            } else {
                problems.append("SWITCHBOARD_LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        let cost = integer(env["SWITCHBOARD_BCRYPT_COST"], key: "SWITCHBOARD_BCRYPT_COST", default: 12, range: 4...31, problems: &problems)
        let pool = integer(
            env["SWITCHBOARD_DB_MAX_CONNECTIONS"], key: "SWITCHBOARD_DB_MAX_CONNECTIONS", default: 20, range: 1...500, problems: &problems)
        let retentionHours = integer(
            env["SWITCHBOARD_EVENT_RETENTION_HOURS"], key: "SWITCHBOARD_EVENT_RETENTION_HOURS", default: 24, range: 1...720,
            problems: &problems
        )
        let perUser = integer(
            env["SWITCHBOARD_REALTIME_MAX_CONNECTIONS_PER_USER"], key: "SWITCHBOARD_REALTIME_MAX_CONNECTIONS_PER_USER",
            default: 10, range: 1...1000, problems: &problems
        )
        let nodeTimeout = integer(
            env["SWITCHBOARD_NODE_TIMEOUT_SECONDS"], key: "SWITCHBOARD_NODE_TIMEOUT_SECONDS", default: 20, range: 2...300,
            problems: &problems
        )
        // LiveKit's own variable names, all three or none.
        var livekit: LiveKitCredentials?
        let livekitValues = ["LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"].map { env[$0].flatMap { $0.isEmpty ? nil : $0 } }
        if let url = livekitValues[0], let key = livekitValues[1], let secret = livekitValues[2] {
            if let parsed = URL(string: url), ["ws", "wss", "http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil {
                livekit = LiveKitCredentials(url: url, apiKey: key, apiSecret: secret)
            } else {
                problems.append("LIVEKIT_URL must be a ws(s):// or http(s):// URL")
            }
        } else if livekitValues.contains(where: { $0 != nil }) {
            problems.append("LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be set together")
        }
        let allowBypass = ["1", "true", "yes"].contains(env["SWITCHBOARD_ALLOW_RLS_BYPASS"]?.lowercased() ?? "")

        guard problems.isEmpty, let databaseURL, let jwtSecret, let masterKey, let operatorToken else {
            throw ConfigurationError(problems: problems)
        }
        return AppConfig(
            databaseURL: databaseURL, host: host, port: port, jwtSecret: jwtSecret, masterKey: masterKey,
            operatorToken: operatorToken, logLevel: logLevel, bcryptCost: UInt8(cost),
            databaseMaxConnections: pool, allowRowLevelSecurityBypass: allowBypass,
            eventRetention: .seconds(retentionHours * 3600),
            realtime: RealtimeSettings(maximumConnectionsPerUser: perUser, nodeTimeout: .seconds(nodeTimeout)),
            livekit: livekit
        )
    }

    private static func integer(
        _ raw: String?, key: String, default value: Int, range: ClosedRange<Int>, problems: inout [String]
    ) -> Int {
        guard let raw, !raw.isEmpty else { return value }
        guard let parsed = Int(raw), range.contains(parsed) else {
            problems.append("\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return value
        }
        return parsed
    }
}
