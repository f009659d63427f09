import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// One event as a real-time client received it.
struct ReceivedEvent: Sendable, Equatable {
    let id: String
    let type: String
    /// The envelope's `data`, re-serialised with sorted keys so streams compare.
    let data: String

    init?(envelope text: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let id = object["id"] as? String, let type = object["type"] as? String, let data = object["data"],
            object["occurredAt"] is String,
            let encoded = try? JSONSerialization.data(withJSONObject: data, options: [.sortedKeys])
        else { return nil }
        self.id = id
        self.type = type
        self.data = String(decoding: encoded, as: UTF8.self)
    }

    /// The decoded `data` object.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]) ?? [:]
    }
}

/// What a client has received so far, and how its connection ended.
final class EventRecorder: Sendable {
    private struct State {
        var events: [ReceivedEvent] = []
        var malformed: [String] = []
        var closeCode: UInt16?
        var closeReason: String?
        var ended = false
    }
    private let state = NIOLockedValueBox(State())

    var events: [ReceivedEvent] { state.withLockedValue { $0.events } }
    /// Messages that were not a valid `{id, type, occurredAt, data}` envelope.
    var malformed: [String] { state.withLockedValue { $0.malformed } }
    var closeCode: UInt16? { state.withLockedValue { $0.closeCode } }
    var closeReason: String? { state.withLockedValue { $0.closeReason } }
    var ended: Bool { state.withLockedValue { $0.ended } }

    func record(_ text: String) {
        state.withLockedValue { state in
            if let event = ReceivedEvent(envelope: text) { state.events.append(event) } else { state.malformed.append(text) }
        }
    }

    func recordClose(code: UInt16?, reason: String?) {
        state.withLockedValue { state in
            if state.closeCode == nil { state.closeCode = code }
            if state.closeReason == nil { state.closeReason = reason }
        }
    }

    func recordEnd() { state.withLockedValue { $0.ended = true } }

    /// Waits until `condition` holds for the events so far; false on timeout.
    func wait(timeout: Duration = .seconds(15), until condition: ([ReceivedEvent]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(events) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(events)
    }

    /// Waits until at least `count` events arrived (of `type`, if given).
    @discardableResult
    func waitForEvents(_ count: Int, type: String? = nil, timeout: Duration = .seconds(15)) async -> [ReceivedEvent] {
        _ = await wait(timeout: timeout) { events in events.filter { type == nil || $0.type == type }.count >= count }
        return events.filter { type == nil || $0.type == type }
    }

    /// Waits until the server ended the connection; false on timeout.
    func waitForEnd(timeout: Duration = .seconds(15)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if ended { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return ended
    }
}

/// A running real-time client; `close()` disconnects it.
struct RealtimeSubscription: Sendable {
    let recorder: EventRecorder
    let task: Task<Void, Never>

    var events: [ReceivedEvent] { recorder.events }

    func close() async {
        task.cancel()
        _ = await task.value
    }
}

/// Why a real-time connection was refused at connect.
struct RealtimeRefused: Error, CustomStringConvertible {
    /// The HTTP status (SSE), or nil when only the upgrade failure is known (WebSocket).
    let status: Int?
    let body: String
    var description: String { "refused: \(status.map(String.init) ?? "upgrade failed") \(body)" }
}

enum RealtimeClient {
    enum Transport: String, CaseIterable, Sendable { case webSocket, serverSentEvents }

    /// Connects with `transport`; the token goes in the query unless `tokenInHeader`.
    static func connect(
        _ transport: Transport, baseURL: String, token: String, lastEventID: String? = nil, tokenInHeader: Bool = false
    ) async throws -> RealtimeSubscription {
        switch transport {
        case .webSocket: try await webSocket(baseURL: baseURL, token: token, lastEventID: lastEventID, tokenInHeader: tokenInHeader)
        case .serverSentEvents:
            try await serverSentEvents(baseURL: baseURL, token: token, lastEventID: lastEventID, tokenInHeader: tokenInHeader)
        }
    }

    static func url(_ baseURL: String, path: String, token: String, lastEventID: String?, tokenInHeader: Bool) -> String {
        var query: [String] = []
        if !tokenInHeader { query.append("access_token=\(token)") }
        if let lastEventID { query.append("lastEventId=\(lastEventID)") }
        return baseURL + path + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    /// Opens `GET /v1/realtime` as a WebSocket; returns once the upgrade succeeded.
    static func webSocket(
        baseURL: String, token: String, lastEventID: String? = nil, tokenInHeader: Bool = false
    ) async throws -> RealtimeSubscription {
        let recorder = EventRecorder()
        let opened = NIOLockedValueBox<Result<Void, any Error>?>(nil)
        let target = url(
            baseURL.replacingOccurrences(of: "http://", with: "ws://"), path: "/v1/realtime", token: token,
            lastEventID: lastEventID, tokenInHeader: tokenInHeader
        )
        var headers = HTTPFields()
        if tokenInHeader { headers[.authorization] = "Bearer \(token)" }
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers)
        let task = Task {
            do {
                let close = try await WebSocketClient.connect(url: target, configuration: configuration, logger: Logger(label: "test.ws")) {
                    inbound, _, _ in
                    opened.withLockedValue { $0 = .success(()) }
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message { recorder.record(text) }
                    }
                }
                recorder.recordClose(code: close.map { Self.code($0.closeCode) }, reason: close?.reason)
            } catch {
                opened.withLockedValue { if $0 == nil { $0 = .failure(error) } }
            }
            recorder.recordEnd()
        }
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            switch opened.withLockedValue({ $0 }) {
            case .success: return RealtimeSubscription(recorder: recorder, task: task)
            case .failure(let error): throw RealtimeRefused(status: nil, body: "\(error)")
            case nil: try await Task.sleep(for: .milliseconds(10))
            }
        }
        task.cancel()
        throw RealtimeRefused(status: nil, body: "timed out")
    }

    /// Opens `GET /v1/realtime/sse`; returns once the response headers arrived with 200.
    static func serverSentEvents(
        baseURL: String, token: String, lastEventID: String? = nil, tokenInHeader: Bool = false, useLastEventIDHeader: Bool = true
    ) async throws -> RealtimeSubscription {
        var request = HTTPClientRequest(
            url: url(
                baseURL, path: "/v1/realtime/sse", token: token, lastEventID: useLastEventIDHeader ? nil : lastEventID,
                tokenInHeader: tokenInHeader)
        )
        if tokenInHeader { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if useLastEventIDHeader, let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        request.headers.add(name: "Accept", value: "text/event-stream")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        guard response.status == .ok else {
            let body = try await response.body.collect(upTo: 1 << 20)
            throw RealtimeRefused(status: Int(response.status.code), body: String(buffer: body))
        }
        let recorder = EventRecorder()
        let task = Task {
            var pending = ""
            var eventName: String?
            var data = ""
            do {
                for try await chunk in response.body {
                    pending += String(buffer: chunk)
                    while let newline = pending.firstIndex(of: "\n") {
                        let line = String(pending[..<newline])
                        pending = String(pending[pending.index(after: newline)...])
                        if line.isEmpty {
                            if eventName == "close", let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
                            {
                                recorder.recordClose(code: (object["code"] as? Int).map(UInt16.init), reason: object["reason"] as? String)
                            } else if !data.isEmpty {
                                recorder.record(data)
                            }
                            eventName = nil
                            data = ""
                        } else if line.hasPrefix("event: ") {
                            eventName = String(line.dropFirst(7))
                        } else if line.hasPrefix("data: ") {
                            data += String(line.dropFirst(6))
                        }
                    }
                }
            } catch {}
            recorder.recordEnd()
        }
        return RealtimeSubscription(recorder: recorder, task: task)
    }

    static func code(_ code: WebSocketErrorCode) -> UInt16 {
        var buffer = ByteBuffer()
        buffer.write(webSocketErrorCode: code)
        return buffer.readInteger(as: UInt16.self) ?? 0
    }
}
