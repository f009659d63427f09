import Foundation
import PostgresNIO

/// A parsed `postgres://user:password@host:port/database` URL.
///
/// Only plain TCP without TLS is supported for now: the server is meant to talk to
/// PostgreSQL on a private network or loopback (see SECURITY.md).
public struct DatabaseURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String

    public init(host: String, port: Int, username: String, password: String?, database: String) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses the URL, or returns nil when it is not a usable PostgreSQL URL.
    public init?(_ string: String) {
        guard let components = URLComponents(string: string),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme),
            let host = components.host, !host.isEmpty,
            let username = components.user, !username.isEmpty
        else { return nil }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { return nil }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username.removingPercentEncoding ?? username
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
    }

    /// The same server and credentials with another database name.
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The URL as text, with the password percent-encoded.
    public var urlString: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = username
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        return components.string ?? ""
    }

    /// Client configuration for PostgresNIO's pool.
    public func clientConfiguration(maximumConnections: Int = 20) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: database,
            tls: .disable
        )
        configuration.options.maximumConnections = maximumConnections
        // No minimum (postgres-nio 1.33.2 crashes on one during an outage: see
        // PoolWarmUp); instead the pool is opened whole at start and its connections
        // are kept for a day of idleness rather than a minute, so a quiet spell does
        // not shrink it to the two or three connections light load keeps busy, and the
        // next burst does not pay for connecting (keep-alive pings still check them).
        configuration.options.minimumConnections = 0
        configuration.options.connectionIdleTimeout = .seconds(24 * 60 * 60)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// Configuration for one dedicated connection outside the pool (the LISTEN
    /// connection), named so operators can find it in `pg_stat_activity`.
    public func connectionConfiguration(applicationName: String) -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable
        )
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}
