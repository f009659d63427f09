import Foundation
import Testing

@testable import App

@Suite("Configuration from the environment")
struct ConfigTests {
    static let valid: [String: String] = [
        "DATABASE_URL": "postgres://app:secret@127.0.0.1:5432/switchboard",
        "SWITCHBOARD_JWT_SECRET": String(repeating: "j", count: 32),
        "SWITCHBOARD_MASTER_KEY": String(repeating: "ab", count: 32),
        "SWITCHBOARD_OPERATOR_TOKEN": String(repeating: "o", count: 32),
    ]

    @Test("a complete environment parses, with defaults")
    func valid() throws {
        let config = try AppConfig.fromEnvironment(Self.valid)
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 8080)
        #expect(config.databaseURL.database == "switchboard")
        #expect(config.masterKey.count == 32)
        #expect(config.bcryptCost == 12)
        #expect(config.allowRowLevelSecurityBypass == false)
    }

    @Test("flags override the environment")
    func overrides() throws {
        let config = try AppConfig.fromEnvironment(Self.valid, overrides: ["SWITCHBOARD_PORT": "9999"])
        #expect(config.port == 9999)
    }

    @Test("every problem is reported at once")
    func everyProblemListed() throws {
        let environment = [
            "DATABASE_URL": "mysql://nope",
            "SWITCHBOARD_JWT_SECRET": "short",
            "SWITCHBOARD_PORT": "70000",
            "SWITCHBOARD_LOG_LEVEL": "loud",
            "SWITCHBOARD_BCRYPT_COST": "2",
        ]
        let error = try #require(throws: ConfigurationError.self) { try AppConfig.fromEnvironment(environment) }
        let text = error.description
        for key in [
            "DATABASE_URL", "SWITCHBOARD_JWT_SECRET", "SWITCHBOARD_PORT", "SWITCHBOARD_MASTER_KEY",
            "SWITCHBOARD_OPERATOR_TOKEN", "SWITCHBOARD_LOG_LEVEL", "SWITCHBOARD_BCRYPT_COST",
        ] {
            #expect(text.contains(key), "missing \(key) in: \(text)")
        }
        #expect(error.problems.count == 7)
    }

    @Test("the master key is accepted as hex or base64 and must be 32 bytes")
    func masterKeyEncodings() throws {
        var environment = Self.valid
        environment["SWITCHBOARD_MASTER_KEY"] = Data(repeating: 7, count: 32).base64EncodedString()
        #expect(try AppConfig.fromEnvironment(environment).masterKey == Array(repeating: 7, count: 32))
        environment["SWITCHBOARD_MASTER_KEY"] = Data(repeating: 7, count: 16).base64EncodedString()
        #expect(throws: ConfigurationError.self) { try AppConfig.fromEnvironment(environment) }
    }

    @Test("event retention is whole hours from 1 to 720")
    func eventRetention() throws {
        var environment = Self.valid
        #expect(try AppConfig.fromEnvironment(environment).eventRetention == .seconds(24 * 3600))
        environment["SWITCHBOARD_EVENT_RETENTION_HOURS"] = "48"
        #expect(try AppConfig.fromEnvironment(environment).eventRetention == .seconds(48 * 3600))
        environment["SWITCHBOARD_EVENT_RETENTION_HOURS"] = "0"
        let error = try #require(throws: ConfigurationError.self) { try AppConfig.fromEnvironment(environment) }
        #expect(error.description.contains("SWITCHBOARD_EVENT_RETENTION_HOURS"))
    }
}
