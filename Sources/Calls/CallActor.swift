import Accounts
import Foundation

/// Who is acting on calls: the signed-in user.
public struct CallActor: Sendable {
    public let tenantID: UUID
    public let userID: UUID
    public let role: Role
    public let name: String

    public init(tenantID: UUID, userID: UUID, role: Role, name: String) {
        self.tenantID = tenantID
        self.userID = userID
        self.role = role
        self.name = name
    }

    var party: CallParty { CallParty(id: userID, name: name, type: role == .customer ? .customer : .staff) }
}

/// What `POST /v1/calls` asks for.
public enum CallTarget: Sendable, Equatable {
    /// A customer calls one agent.
    case agent(UUID)
    /// A customer calls whoever is available, by strategy (nil: the tenant default).
    case anyAgent(CallStrategy?)
    /// An agent calls a customer.
    case customer(UUID)

    /// The user the call names, if any.
    var calleeID: UUID? {
        switch self {
        case .agent(let id), .customer(let id): id
        case .anyAgent: nil
        }
    }

    /// Stable text for idempotency comparisons.
    var fingerprint: String {
        switch self {
        case .agent(let id): "agent:\(id)"
        case .anyAgent(let strategy): "any:\(strategy?.rawValue ?? "default")"
        case .customer(let id): "customer:\(id)"
        }
    }
}

/// Where and how a participant joins the call's media room.
public struct LiveKitJoin: Sendable, Equatable, Encodable {
    public let url: String
    public let token: String
}
