// TEMPORARY: replaced by helper's implementation.
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

public struct GraphCredentials: Sendable, Equatable {
    public var baseURL: String
    public var apiVersion: String
    public var phoneNumberID: String
    public var accessToken: String
    public init(baseURL: String = GraphCredentials.defaultBaseURL, apiVersion: String = GraphCredentials.defaultAPIVersion, phoneNumberID: String, accessToken: String) {
        self.baseURL = baseURL; self.apiVersion = apiVersion; self.phoneNumberID = phoneNumberID; self.accessToken = accessToken
    }
    public static let defaultBaseURL = "https://graph.facebook.com"
    public static let defaultAPIVersion = "v21.0"
}
public enum OutboundContent: Sendable, Equatable {
    case text(String)
    case template(name: String, language: String, parameters: [String])
}
public struct GraphError: Error, Sendable, Equatable {
    public var httpStatus: Int?
    public var code: Int?
    public var title: String
    public var details: String?
    public init(httpStatus: Int?, code: Int?, title: String, details: String? = nil) {
        self.httpStatus = httpStatus; self.code = code; self.title = title; self.details = details
    }
}
public enum SendOutcome: Sendable, Equatable {
    case accepted(wamid: String)
    case rejected(GraphError)
    case retryable(GraphError)
}
public struct GraphClient: Sendable {
    public init(httpClient: HTTPClient = .shared, timeout: TimeAmount = .seconds(15)) {}
    public func send(_ content: OutboundContent, to recipientE164: String, credentials: GraphCredentials, logger: Logger) async -> SendOutcome { fatalError() }
}
public enum WebhookSignature {
    public static func isValid(header: String?, body: [UInt8], appSecret: String) -> Bool { fatalError() }
    public static func header(for body: [UInt8], appSecret: String) -> String { fatalError() }
}
public enum DeliveryStatus: String, Sendable, Equatable { case sent, delivered, read, failed }
public struct InboundMessage: Sendable, Equatable {
    public var phoneNumberID: String?
    public var id: String
    public var from: String
    public var profileName: String?
    public var timestamp: Date
    public var type: String
    public var text: String
    public var replyTo: String?
}
public struct StatusUpdate: Sendable, Equatable {
    public struct Failure: Sendable, Equatable { public var code: Int; public var title: String; public var details: String? }
    public var phoneNumberID: String?
    public var messageID: String
    public var status: DeliveryStatus
    public var timestamp: Date
    public var recipientID: String?
    public var errors: [Failure]
}
public struct WebhookNotification: Sendable, Equatable {
    public var messages: [InboundMessage]
    public var statuses: [StatusUpdate]
    public static func parse(_ body: [UInt8]) throws -> WebhookNotification { fatalError() }
}
public struct WebhookPayloadError: Error, Sendable, Equatable { public var reason: String }
public enum VerifyHandshake { public static func challenge(mode: String?, token: String?, challenge: String?, expectedToken: String) -> String? { fatalError() } }
