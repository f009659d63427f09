import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Sends WhatsApp messages through the Cloud API (PROVIDERS.md §1.1) for any
/// tenant's number: the credentials come with each send.
///
/// It never throws for what the provider or the network does; every answer, and
/// every failure to get one, becomes a `SendOutcome` the send queue can act on.
public struct GraphClient: Sendable {
    let httpClient: HTTPClient
    let timeout: TimeAmount

    /// Error and success bodies are small; anything bigger is not Graph talking.
    static let maxResponseBytes = 1 << 20

    public init(httpClient: HTTPClient = .shared, timeout: TimeAmount = .seconds(15)) {
        self.httpClient = httpClient
        self.timeout = timeout
    }

    /// POSTs `content` to `recipientE164` (digits only go on the wire) and classifies the answer.
    public func send(_ content: OutboundContent, to recipientE164: String, credentials: GraphCredentials, logger: Logger)
        async -> SendOutcome
    {
        let body = MessageRequest(content, to: recipientE164)
        var logger = logger
        logger[metadataKey: "whatsapp.phone_number_id"] = "\(credentials.phoneNumberID)"
        logger[metadataKey: "whatsapp.to"] = "\(Self.masked(body.to))"
        guard !body.to.isEmpty else {
            return .rejected(GraphError(httpStatus: nil, code: nil, title: "The recipient has no phone number digits."))
        }

        var request = HTTPClientRequest(url: credentials.messagesURL)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(credentials.accessToken)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(body.encoded())

        let outcome: SendOutcome
        do {
            let response = try await httpClient.execute(request, timeout: timeout, logger: logger)
            let status = Int(response.status.code)
            do {
                let bytes = try await response.body.collect(upTo: Self.maxResponseBytes)
                outcome = GraphAnswer.outcome(httpStatus: status, body: Array(buffer: bytes))
            } catch {
                // A 2xx whose body is lost most likely sent the message: retrying would
                // send it twice, so it is rejected (a human can resend) rather than retried.
                let failure = GraphError(httpStatus: status, code: nil, title: "The answer could not be read: \(error)")
                outcome = (200..<300).contains(status) ? .rejected(failure) : GraphErrorCodes.outcome(for: failure)
            }
        } catch {
            outcome = Self.outcome(forNoAnswer: error)
        }
        Self.log(outcome, logger: logger)
        return outcome
    }

    /// No answer came. When the request may have reached Graph (the connection
    /// dropped or timed out while waiting for the answer), Graph may have the message
    /// and Meta does not dedupe sends: retrying could deliver it twice, so the send
    /// is rejected with an "outcome unknown" title for a person to check. When it
    /// never left (refused, DNS, TLS, connect timeout), retrying is safe.
    static func outcome(forNoAnswer error: any Error) -> SendOutcome {
        let ambiguous: Bool =
            if let error = error as? HTTPClientError {
                [.readTimeout, .deadlineExceeded, .remoteConnectionClosed, .writeTimeout].contains(error)
            } else {
                false
            }
        if ambiguous {
            return .rejected(
                GraphError(
                    httpStatus: nil, code: nil,
                    title: "No answer from the Graph API after sending (\(error)); not retried, since WhatsApp may have the message"))
        }
        return .retryable(GraphError(httpStatus: nil, code: nil, title: "The Graph API could not be reached: \(error)"))
    }

    private static func log(_ outcome: SendOutcome, logger: Logger) {
        switch outcome {
        case .accepted(let wamid):
            logger.debug("WhatsApp message accepted", metadata: ["whatsapp.wamid": "\(wamid)"])
        case .rejected(let error):
            logger.warning("WhatsApp message rejected", metadata: ["whatsapp.error": "\(error)"])
        case .retryable(let error):
            logger.notice("WhatsApp send failed, retryable", metadata: ["whatsapp.error": "\(error)"])
        }
    }

    /// The last four digits only: full phone numbers stay out of logs (STYLE.md 11).
    static func masked(_ digits: String) -> String {
        digits.count <= 4 ? "****" : "…" + digits.suffix(4)
    }
}
