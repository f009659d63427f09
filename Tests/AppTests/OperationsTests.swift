import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Persistence
import Testing

@testable import App

@Suite("Health, metrics and the API description")
struct OperationsTests {
    @Test("GET /health/live answers 200 without a token")
    func live() async throws {
        try await TestApp.run { app in
            let response = try await app.request(.get, "/health/live")
            #expect(response.status == .ok)
            #expect(try response.jsonObject()["status"] as? String == "ok")
            #expect(response.headers[.requestID]?.isEmpty == false)
        }
    }

    @Test("GET /health/ready answers 200 with the database and migrations ok")
    func ready() async throws {
        try await TestApp.run { app in
            let response = try await app.request(.get, "/health/ready")
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.headers[.cacheControl] == "no-store")
            let body = try response.jsonObject()
            #expect(body["status"] as? String == "ok")
            let checks = try #require(body["checks"] as? [String: String])
            #expect(checks == ["database": "ok", "migrations": "ok"])
        }
    }

    @Test("GET /metrics is Prometheus text with request counters, duration histograms and pool gauges")
    func metrics() async throws {
        try await TestApp.run { app in
            let tenant = try await app.seedTenant("acme")
            let admin = try await app.token(tenant, .admin)
            let bad = try await app.request(
                .post, "/v1/auth/login", json: #"{"tenant":"acme","email":"agent@acme.test","password":"wrong-password-9"}"#
            )
            #expect(bad.status == .unauthorized)
            let userID = try #require(tenant.userIDs[.agent])
            #expect(try await app.request(.get, "/v1/users/\(userID)", token: admin).status == .ok)
            let unknownPath = "/v1/unknown-" + TestDatabases.randomSuffix()
            #expect(try await app.request(.get, unknownPath).status == .notFound)

            let response = try await app.request(.get, "/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            let lines = text.split(separator: "\n").map(String.init)

            // The request counter, labelled by route template, method and status.
            let loginOK = Self.sample(
                lines, "hb_requests",
                labels: ["http_route": "/v1/auth/login", "http_request_method": "POST", "http_response_status_code": "200"]
            )
            #expect((loginOK ?? 0) >= 1, "no hb_requests line for a successful login:\n\(text)")
            let loginFailed = Self.sample(
                lines, "hb_requests",
                labels: ["http_route": "/v1/auth/login", "http_request_method": "POST", "http_response_status_code": "401"]
            )
            #expect((loginFailed ?? 0) >= 1, "no hb_requests line for a failed login")
            #expect(text.contains("# TYPE hb_requests counter"))

            // Routes are labelled by template, never by raw path: ids and unknown paths do not leak into labels.
            #expect(Self.sample(lines, "hb_requests", labels: ["http_route": "/v1/users/{id}", "http_request_method": "GET"]) != nil)
            #expect(!text.contains(userID.uuidString))
            #expect(!text.contains(userID.uuidString.lowercased()))
            #expect(!text.contains(unknownPath))

            // The request duration histogram.
            #expect(text.contains("# TYPE http_server_request_duration histogram"))
            let bucket = Self.sample(
                lines, "http_server_request_duration_bucket",
                labels: ["http_route": "/v1/auth/login", "http_request_method": "POST", "le": "+Inf"]
            )
            #expect((bucket ?? 0) >= 1, "no +Inf bucket for the login route")
            #expect(lines.contains { $0.hasPrefix("http_server_request_duration_count{") && $0.contains(#"http_route="/v1/auth/login""#) })
            #expect(lines.contains { $0.hasPrefix("http_server_request_duration_sum{") })

            // The database pool gauges and the transaction histogram.
            #expect(text.contains("# TYPE switchboard_db_pool_leases_in_use gauge"))
            #expect(text.contains("# TYPE switchboard_db_pool_max_connections gauge"))
            #expect(Self.sample(lines, "switchboard_db_pool_leases_in_use", labels: [:]) != nil)
            #expect((Self.sample(lines, "switchboard_db_pool_max_connections", labels: [:]) ?? 0) >= 1)
            #expect(text.contains("# TYPE switchboard_db_transaction_duration_seconds histogram"))
            #expect((Self.sample(lines, "switchboard_db_transaction_duration_seconds_count", labels: [:]) ?? 0) >= 1)

            // Every non-comment line is `name{labels} value` or `name value`.
            for line in lines where !line.hasPrefix("#") {
                #expect(Self.parse(line) != nil, "not a Prometheus sample: \(line)")
            }
        }
    }

    /// The server process has a single pool, created at startup; its gauges and transaction
    /// timer must be live (the metrics system must be bootstrapped before the pool is made).
    @Test("the served executable reports its own database pool in /metrics")
    func servedProcessReportsPoolMetrics() async throws {
        let url = try await TestDatabases.shared.fresh()
        defer { Task { await TestDatabases.shared.drop(url) } }
        var environment = serverEnvironment(url)
        environment["SWITCHBOARD_DB_MAX_CONNECTIONS"] = "7"
        // Debug logs name each service as it stops: what a failed exit below shows.
        environment["SWITCHBOARD_LOG_LEVEL"] = "debug"
        let (server, base) = try await SwitchboardProcess.serve(environment: environment)

        let ready = try await HTTPClient.shared.get(url: "\(base)/health/ready").get()
        #expect(ready.status == .ok)
        // A login for an unknown tenant runs a database transaction.
        let failed = try await postJSON("\(base)/v1/auth/login", #"{"tenant":"nobody","email":"a@b.test","password":"wrong-password-1"}"#)
        #expect(failed.status == .unauthorized)

        let metrics = try await HTTPClient.shared.get(url: "\(base)/metrics").get()
        #expect(metrics.status == .ok)
        let text = metrics.body.map { String(buffer: $0) } ?? ""
        let lines = text.split(separator: "\n").map(String.init)
        #expect(Self.sample(lines, "switchboard_db_pool_max_connections", labels: [:]) == 7, "\(text)")
        #expect(Self.sample(lines, "switchboard_db_pool_leases_in_use", labels: [:]) != nil)
        #expect((Self.sample(lines, "switchboard_db_transaction_duration_seconds_count", labels: [:]) ?? 0) >= 1)
        #expect((Self.sample(lines, "hb_requests", labels: ["http_route": "/health/ready", "http_response_status_code": "200"]) ?? 0) >= 1)

        server.signal(SIGTERM)
        let status = try await server.waitForExit(timeout: .seconds(15))
        #expect(status == 0, "exit status \(String(describing: status)): \(server.printed)")
    }

    /// Browsers preconnect and HTTP clients park spare connections: one that never
    /// sends a request must not hold graceful shutdown (it used to, until the client
    /// gave up on it).
    @Test("SIGTERM ends the process even while a client holds a connection it never used")
    func shutdownWithUnusedConnection() async throws {
        let url = try await TestDatabases.shared.fresh()
        defer { Task { await TestDatabases.shared.drop(url) } }
        let (server, base) = try await SwitchboardProcess.serve(environment: serverEnvironment(url))
        let ready = try await HTTPClient.shared.get(url: "\(base)/health/ready").get()
        #expect(ready.status == .ok)
        let port = try #require(Int(base.split(separator: ":").last ?? ""))
        let unused = try RawConnection(port: port)
        defer { unused.close() }
        let used = try RawConnection(port: port)
        defer { used.close() }
        try await used.write(Array("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        #expect(try await used.readHead(timeout: .seconds(10)).status == 200)

        server.signal(SIGTERM)
        let status = try await server.waitForExit(timeout: .seconds(10))
        #expect(status == 0, "exit status \(String(describing: status)): \(server.printed)")
    }

    @Test("GET /openapi.json serves the OpenAPI 3.1 document")
    func openAPIServed() async throws {
        try await TestApp.run { app in
            let response = try await app.request(.get, "/openapi.json")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let document = try response.jsonObject()
            #expect(document["openapi"] as? String == "3.1.0")
            #expect((document["info"] as? [String: Any])?["title"] is String)
            #expect(document["paths"] is [String: Any])
            #expect(Array(response.body.readableBytesView) == (try OpenAPIDocument.bytes()))
        }
    }

    @Test("the OpenAPI document lists exactly the routes the router serves, each with responses")
    func openAPICoversRoutes() async throws {
        let url = try #require(DatabaseURL("postgres://nobody:nothing@127.0.0.1:1/unused"))
        let database = Database(url: url, maximumConnections: 1, logger: Logger(label: "openapi-coverage"))
        let router = try await buildRouter(config: TestApp.makeConfig(url), database: database, migrator: Migrator(files: []))
        let served = Set(router.routes.map { Route(method: $0.method.rawValue.uppercased(), path: $0.path.description) })
        #expect(served.count >= 19, "the router lists fewer routes than expected: \(served.sorted())")
        // Path parameters render as `{name}`, the OpenAPI template syntax.
        #expect(served.contains(Route(method: "GET", path: "/v1/users/{id}")))

        let document = try #require(try JSONSerialization.jsonObject(with: Data(try OpenAPIDocument.bytes())) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        var documented: Set<Route> = []
        for (path, item) in paths {
            let item = try #require(item as? [String: Any], "\(path) is not a path item")
            let pathParameters = Self.parameterNames(item["parameters"], in: "path")
            for (method, operation) in item where methods.contains(method) {
                let route = Route(method: method.uppercased(), path: path)
                documented.insert(route)
                let operation = try #require(operation as? [String: Any], "\(route) is not an operation")
                let responses = operation["responses"] as? [String: Any] ?? [:]
                #expect(!responses.isEmpty, "\(route) documents no responses")
                // A WebSocket upgrade succeeds with 101 Switching Protocols.
                #expect(responses.keys.contains { $0.hasPrefix("2") || $0 == "101" }, "\(route) documents no success response")
                for (status, response) in responses {
                    #expect((response as? [String: Any])?["description"] is String, "\(route) response \(status) has no description")
                }
                // Every `{name}` in the path is declared as a path parameter.
                let declared = pathParameters.union(Self.parameterNames(operation["parameters"], in: "path"))
                for name in Self.templateNames(path) {
                    #expect(declared.contains(name), "\(route) does not declare path parameter \(name)")
                }
            }
        }

        for route in served.subtracting(documented).sorted() {
            Issue.record("route \(route) is served but missing from openapi.json")
        }
        for route in documented.subtracting(served).sorted() {
            Issue.record("openapi.json documents \(route), which the router does not serve")
        }
    }

    // MARK: - Helpers

    struct Route: Hashable, Comparable, CustomStringConvertible {
        let method: String
        let path: String
        var description: String { "\(method) \(path)" }
        static func < (lhs: Route, rhs: Route) -> Bool { (lhs.path, lhs.method) < (rhs.path, rhs.method) }
    }

    static func parameterNames(_ parameters: Any?, in location: String) -> Set<String> {
        Set((parameters as? [[String: Any]] ?? []).filter { $0["in"] as? String == location }.compactMap { $0["name"] as? String })
    }

    static func templateNames(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }

    /// Splits `name{a="b",c="d"} value` into its parts.
    static func parse(_ line: String) -> (name: String, labels: [String: String], value: Double)? {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
        let series = line[..<space]
        guard let brace = series.firstIndex(of: "{") else {
            return series.isEmpty || series.contains(" ") ? nil : (String(series), [:], value)
        }
        guard series.hasSuffix("}") else { return nil }
        var labels: [String: String] = [:]
        var rest = series[series.index(after: brace)..<series.index(before: series.endIndex)]
        while !rest.isEmpty {
            guard let equals = rest.range(of: "=\"") else { return nil }
            let key = String(rest[..<equals.lowerBound])
            rest = rest[equals.upperBound...]
            guard let close = rest.firstIndex(of: "\"") else { return nil }
            labels[key] = String(rest[..<close])
            rest = rest[rest.index(after: close)...]
            if rest.hasPrefix(",") { rest = rest.dropFirst() }
        }
        return (String(series[..<brace]), labels, value)
    }

    /// The value of the first sample of `name` whose labels include `labels`.
    static func sample(_ lines: [String], _ name: String, labels: [String: String]) -> Double? {
        for line in lines where !line.hasPrefix("#") {
            guard let parsed = parse(line), parsed.name == name else { continue }
            if labels.allSatisfy({ parsed.labels[$0.key] == $0.value }) { return parsed.value }
        }
        return nil
    }
}
