import Logging
import NIOConcurrencyHelpers
import Persistence
import PostgresNIO
import ServiceLifecycle

/// The node's one LISTEN connection: turns notifications into fan-out wake-ups.
///
/// It is a dedicated connection, not a pooled one, so it can sit in LISTEN forever.
/// When it drops (network, restart, `pg_terminate_backend`) it reconnects with
/// backoff and wakes the fan-out, which catches up from its position: notifications
/// are only a latency shortcut, the position is what guarantees delivery.
///
/// It is also the node's canary for the database: an idle pool does not notice that
/// PostgreSQL went away until a lease has waited out its whole timeout, while this
/// connection hears of it at once, so each loss is reported to the pool
/// (`Database.connectionLost`), which then answers fast and probes for the return.
public struct EventListener: Service, CustomStringConvertible {
    /// `application_name` of the connection, for operators and fault tests.
    public static let applicationName = "switchboard-listener"

    let url: DatabaseURL
    let database: Database
    let fanOut: EventFanOut
    let logger: Logger

    /// What service logs show: never the URL, which holds the password.
    public var description: String { "EventListener" }

    public init(url: DatabaseURL, database: Database, fanOut: EventFanOut, logger: Logger) {
        self.url = url
        self.database = database
        self.fanOut = fanOut
        self.logger = logger
    }

    public func run() async throws {
        var delay = Duration.milliseconds(100)
        var connectionID = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            connectionID += 1
            let id = connectionID
            let listened = NIOLockedValueBox(false)
            do {
                try await cancelWhenGracefulShutdown {
                    try await listenOnce(connectionID: id) { listened.withLockedValue { $0 = true } }
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                logger.warning("LISTEN connection lost; reconnecting", metadata: ["error": "\(String(reflecting: error))"])
                database.connectionLost()
            }
            fanOut.wake()  // catch up on whatever the lost connection would have announced
            if listened.withLockedValue({ $0 }) { delay = .milliseconds(100) }
            let wait = delay
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            delay = min(delay * 2, .seconds(5))
        }
    }

    private func listenOnce(connectionID: Int, onListening: @Sendable () -> Void) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: url.connectionConfiguration(applicationName: Self.applicationName),
            id: connectionID,
            logger: logger
        )
        defer { Task { try? await connection.close() } }
        // Waiting for a notification does not end on cancellation (graceful
        // shutdown on an idle node hung here); closing the connection ends it.
        try await withTaskCancellationHandler {
            try await connection.listen(on: EventOutbox.channel) { notifications in
                onListening()
                logger.debug("listening for events", metadata: ["channel": "\(EventOutbox.channel)"])
                // Events committed while no connection listened are read now.
                fanOut.wake()
                for try await notification in notifications {
                    fanOut.notified(eventID: Int64(notification.payload))
                }
            }
        } onCancel: {
            Task { try? await connection.close() }
        }
        throw ListenerEnded()
    }

    struct ListenerEnded: Error {}
}
