import AsyncHTTPClient
import Foundation
import NIOCore
import Persistence
import Testing

/// The executable as an operator runs it: real processes, real sockets, real PostgreSQL.
@Suite("switchboard executable")
struct EndToEndTests {
    @Test("serve lists every configuration problem at once and exits non-zero")
    func badConfiguration() async throws {
        let result = try await SwitchboardProcess.run(
            ["serve"], environment: ["DATABASE_URL": "not a url", "SWITCHBOARD_JWT_SECRET": "short", "SWITCHBOARD_PORT": "x"]
        )
        #expect(result.status == 2)
        for key in ["DATABASE_URL", "SWITCHBOARD_JWT_SECRET", "SWITCHBOARD_MASTER_KEY", "SWITCHBOARD_OPERATOR_TOKEN", "SWITCHBOARD_PORT"] {
            #expect(result.output.contains(key), "\(key) not reported in: \(result.output)")
        }
    }

    @Test("migrate --dry-run exits 1 while files are pending and 0 once applied")
    func migrateDryRun() async throws {
        let url = try await TestDatabases.shared.empty()
        defer { Task { await TestDatabases.shared.drop(url) } }
        let environment = ["DATABASE_URL": url.urlString]

        let before = try await SwitchboardProcess.run(["migrate", "--dry-run"], environment: environment)
        #expect(before.status == 1)
        #expect(before.output.contains("0001_tenants_and_row_level_security"))

        let apply = try await SwitchboardProcess.run(["migrate"], environment: environment)
        #expect(apply.status == 0, "\(apply.output)")
        #expect(apply.output.contains("applied"))

        let after = try await SwitchboardProcess.run(["migrate", "--dry-run"], environment: environment)
        #expect(after.status == 0)
        #expect(after.output.contains("up to date"))
    }

    @Test("tenants apply is idempotent and prints generated passwords once")
    func tenantsApply() async throws {
        let url = try await TestDatabases.shared.fresh()
        defer { Task { await TestDatabases.shared.drop(url) } }
        var environment = ["DATABASE_URL": url.urlString, "SWITCHBOARD_BCRYPT_COST": "4"]
        environment["DEMO_OWNER_PASSWORD"] = "owner-password-123"
        let manifest = URL(fileURLWithPath: TestDatabases.migrationsDirectory).deletingLastPathComponent()
            .appendingPathComponent("tenants/demo.yaml").path

        let first = try await SwitchboardProcess.run(["tenants", "apply", manifest], environment: environment)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.components(separatedBy: "created").count - 1 == 5)
        // Agents and customers had no password in the environment: generated and shown.
        #expect(first.output.components(separatedBy: "(shown once)").count - 1 == 4)

        let second = try await SwitchboardProcess.run(["tenants", "apply", manifest], environment: environment)
        #expect(second.status == 0, "\(second.output)")
        #expect(second.output.components(separatedBy: "updated").count - 1 == 5)
        #expect(!second.output.contains("shown once"))
    }

    @Test("serve answers, logs no secrets, and stops cleanly on SIGTERM")
    func serveAndShutDown() async throws {
        let url = try await TestDatabases.shared.fresh()
        defer { Task { await TestDatabases.shared.drop(url) } }
        var environment = serverEnvironment(url)
        environment["DEMO_OWNER_PASSWORD"] = "owner-password-123"
        let manifest = URL(fileURLWithPath: TestDatabases.migrationsDirectory).deletingLastPathComponent()
            .appendingPathComponent("tenants/demo.yaml").path
        let applied = try await SwitchboardProcess.run(["tenants", "apply", manifest], environment: environment)
        try #require(applied.status == 0, "\(applied.output)")

        let (server, base) = try await SwitchboardProcess.serve(environment: environment)

        let ready = try await HTTPClient.shared.get(url: "\(base)/health/ready").get()
        #expect(ready.status == .ok)

        let response = try await postJSON(
            "\(base)/v1/auth/login", #"{"tenant":"demo","email":"owner@demo.switchboard.test","password":"owner-password-123"}"#)
        #expect(response.status == .ok)
        let body = try await response.body.collect(upTo: 1 << 20)
        let accessToken = try #require(
            (try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])?["accessToken"] as? String
        )

        server.signal(SIGTERM)
        let status = try await server.waitForExit(timeout: .seconds(15))
        #expect(status == 0, "exit status \(String(describing: status)): \(server.printed)")
        // Structured request logs, but never the password, token or secrets.
        #expect(server.printed.contains("/v1/auth/login"))
        for secret in [
            "owner-password-123", accessToken, environment["SWITCHBOARD_JWT_SECRET"]!, environment["SWITCHBOARD_OPERATOR_TOKEN"]!,
        ] {
            #expect(!server.printed.contains(secret))
        }
    }

    @Test("serve refuses a database role that bypasses row-level security")
    func refusesSuperuser() async throws {
        let superuser = try TestDatabases.superuserURL
        let url = try await TestDatabases.shared.fresh()
        defer { Task { await TestDatabases.shared.drop(url) } }
        let asSuperuser = superuser.with(database: url.database)
        let server = try SwitchboardProcess(["serve"], environment: serverEnvironment(asSuperuser))
        let status = try await server.waitForExit(timeout: .seconds(30))
        #expect(status != nil && status != 0, "serve started as a superuser: \(server.printed)")
        #expect(server.printed.contains("row-level security"))
    }
}
