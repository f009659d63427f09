import AsyncHTTPClient
import Foundation
import NIOCore
import Persistence
import Synchronization

/// Runs the real `switchboard` executable (built by ops/test) as a child process.
final class SwitchboardProcess: Sendable {
    let process: Process
    private let output = OutputBuffer()

    static var binary: String {
        get throws {
            guard let path = ProcessInfo.processInfo.environment["SWITCHBOARD_BINARY"],
                FileManager.default.isExecutableFile(atPath: path)
            else { throw TestSetupError("SWITCHBOARD_BINARY is not set to the built executable: run the tests with ops/test") }
            return path
        }
    }

    /// Starts `switchboard arguments...` with exactly `environment` (plus PATH).
    init(_ arguments: [String], environment: [String: String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary)
        process.arguments = arguments
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        env["SWITCHBOARD_MIGRATIONS_DIR"] = env["SWITCHBOARD_MIGRATIONS_DIR"] ?? TestDatabases.migrationsDirectory
        process.environment = env
        process.currentDirectoryURL = URL(fileURLWithPath: TestDatabases.migrationsDirectory).deletingLastPathComponent()
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [output] handle in
            let data = handle.availableData
            guard !data.isEmpty else { return }
            output.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        Self.list(process.processIdentifier)
    }

    /// Adds `pid` to the list ops/test and ops/faults use to end the servers of a test
    /// runner that was killed (ops/lib/test-children.sh).
    private static func list(_ pid: Int32) {
        guard let path = ProcessInfo.processInfo.environment["SWITCHBOARD_CHILD_PIDS"],
            let list = FileHandle(forWritingAtPath: path)
        else { return }
        defer { try? list.close() }
        _ = try? list.seekToEnd()
        try? list.write(contentsOf: Data("\(pid)\n".utf8))
    }

    /// Everything printed so far on stdout and stderr.
    var printed: String { output.text.withLock { $0 } }

    /// Waits for exit (up to `timeout`) and returns the exit status, or nil on timeout
    /// (then `printed` ends with the process's thread stacks, to show where it hangs).
    func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                let stacks = threadStacks()
                output.text.withLock { $0 += "\n--- still running after \(timeout); thread stacks ---\n" + stacks }
                return nil
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(100))  // let the pipe drain
        return process.terminationStatus
    }

    /// Waits until the output contains `text`, or times out.
    func waitForOutput(_ text: String, timeout: Duration = .seconds(60)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if printed.contains(text) { return true }
            if !process.isRunning { return printed.contains(text) }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Every thread's stack, from gdb (demangled when swift-demangle is at hand).
    func threadStacks() -> String {
        guard let gdb = Self.executable("gdb") else { return "(no gdb to show them)" }
        var stacks = Self.output(of: gdb, ["-batch", "-p", String(process.processIdentifier), "-ex", "thread apply all bt"])
        if let demangler = Self.executable("swift-demangle") {
            stacks = Self.output(of: demangler, ["--simplified"], input: stacks)
        }
        return stacks
    }

    private static func executable(_ name: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static func output(of path: String, _ arguments: [String], input: String? = nil) -> String {
        let tool = Process()
        tool.executableURL = URL(fileURLWithPath: path)
        tool.arguments = arguments
        let pipe = Pipe()
        tool.standardOutput = pipe
        tool.standardError = pipe
        let feed = Pipe()
        if input != nil { tool.standardInput = feed }
        guard (try? tool.run()) != nil else { return "(\(path) did not start)" }
        if let input {
            // Written from another thread: the tool's output could fill the pipe first.
            let handle = feed.fileHandleForWriting
            Thread.detachNewThread {
                handle.write(Data(input.utf8))
                try? handle.close()
            }
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        tool.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Starts `switchboard serve` on a free port and waits until it listens.
    static func serve(environment: [String: String]) async throws -> (server: SwitchboardProcess, baseURL: String) {
        let server = try SwitchboardProcess(["serve"], environment: environment)
        guard try await server.waitForOutput("listening on 127.0.0.1:"),
            let range = server.printed.range(of: "listening on 127.0.0.1:"),
            let port = Int(server.printed[range.upperBound...].prefix { $0.isNumber })
        else { throw TestSetupError("server did not start: \(server.printed)") }
        return (server, "http://127.0.0.1:\(port)")
    }

    /// Runs a short command to completion and returns (status, output).
    static func run(_ arguments: [String], environment: [String: String]) async throws -> (status: Int32?, output: String) {
        let process = try SwitchboardProcess(arguments, environment: environment)
        let status = try await process.waitForExit()
        return (status, process.printed)
    }
}

/// A valid environment for the executable, on `url`.
func serverEnvironment(_ url: DatabaseURL) -> [String: String] {
    [
        "DATABASE_URL": url.urlString,
        "SWITCHBOARD_JWT_SECRET": "e2e-jwt-secret-" + TestDatabases.randomSuffix() + TestDatabases.randomSuffix(),
        "SWITCHBOARD_MASTER_KEY": String(repeating: "5a", count: 32),
        "SWITCHBOARD_OPERATOR_TOKEN": "e2e-operator-" + TestDatabases.randomSuffix() + TestDatabases.randomSuffix(),
        "SWITCHBOARD_HOST": "127.0.0.1",
        "SWITCHBOARD_PORT": "0",
        "SWITCHBOARD_BCRYPT_COST": "4",
        "SWITCHBOARD_LOG_LEVEL": "info",
    ]
}

/// What a child process printed, appended from the pipe's handler thread.
final class OutputBuffer: Sendable {
    let text = Mutex<String>("")
}

/// POSTs a JSON body with AsyncHTTPClient (for tests against a served process).
func postJSON(_ url: String, _ json: String) async throws -> HTTPClientResponse {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "content-type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: json))
    return try await HTTPClient.shared.execute(request, timeout: .seconds(10))
}
