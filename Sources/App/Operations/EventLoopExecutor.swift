import NIOCore
import NIOPosix

/// Runs Swift Concurrency's tasks on NIO's event loop threads instead of a pool of its own.
///
/// With two pools, every await on a socket or a database reply hops between an event
/// loop thread and a concurrency thread: on this 2-core machine the call set-up
/// benchmark's profile spent 15% of the node's samples in the kernel's task switch
/// alone. With one pool a task usually resumes on the thread that read its reply.
/// Work that blocks a thread for long (bcrypt, parsing an import file) goes to
/// `NIOThreadPool`, so it holds up no event loop.
///
/// `SWITCHBOARD_EVENT_LOOP_EXECUTOR=off` keeps the separate pool (to compare, or as an
/// escape hatch should some code turn out to block).
public enum EventLoopExecutor {
    /// Installs the executor unless the environment turns it off; must be the first
    /// thing the process does, before any task runs. Returns whether it took over.
    public static func installUnlessDisabled(environment: [String: String]) -> Bool {
        guard environment["SWITCHBOARD_EVENT_LOOP_EXECUTOR"]?.lowercased() != "off" else { return false }
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
