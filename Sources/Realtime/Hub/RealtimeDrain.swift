import Logging
import ServiceLifecycle

/// Closes every real-time connection with 1001 ("restarting, reconnect elsewhere")
/// when the server is asked to stop, and waits (up to `timeout`) until they are
/// gone. It must stop before the HTTP server does: run it after the server in the
/// service group (groups stop in reverse order). Otherwise the WebSocket library's
/// own shutdown handler closes sockets first, with a plain 1000.
public struct RealtimeDrain: Service, CustomStringConvertible {
    let connections: LocalConnections
    let timeout: Duration
    let logger: Logger

    public init(connections: LocalConnections, timeout: Duration = .seconds(5), logger: Logger) {
        self.connections = connections
        self.timeout = timeout
        self.logger = logger
    }

    public var description: String { "RealtimeDrain" }

    public func run() async throws {
        try? await gracefulShutdown()
        connections.startDraining()
        let open = connections.all()
        for connection in open { connection.queue.close(.serverRestarting) }
        // Slots are freed as soon as a connection closes; its transport may still be
        // writing the 1001, so wait for the transports themselves.
        let deadline = ContinuousClock.now + timeout
        func left() -> Int { open.filter { !$0.isTransportFinished }.count }
        while left() > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        logger.info("real-time connections drained", metadata: ["closed": "\(open.count)", "left": "\(left())"])
    }
}
