import App
import Foundation

/// The process's start: moves Swift Concurrency onto NIO's event loops (see
/// `EventLoopExecutor`) before anything runs, then hands over to the command tree.
@main
enum Entrypoint {
    static func main() async {
        _ = EventLoopExecutor.installUnlessDisabled(environment: ProcessInfo.processInfo.environment)
        await SwitchboardCommand.main()
    }
}
