import Foundation

/// What can go wrong with a call request; the API maps each to a problem.
public enum CallError: Error, Equatable, Sendable {
    /// No such call for this user (another tenant's, or one they are not part of).
    case notFound
    /// The callee named does not exist in the tenant, is disabled, or has the wrong role.
    case calleeNotFound
    /// Nobody reachable and available to ring; the missed call was recorded.
    case noReachableAgent(callID: UUID)
    /// The call is not in a state that allows this (already answered, ended, ...).
    case conflict(String)
    /// The user may see the call but not do this to it (e.g. the callee cancelling).
    case forbidden(String)
    /// The SFU's API failed; nothing was created.
    case sfuUnavailable(String)
    /// LiveKit is not configured globally nor for the tenant.
    case sfuNotConfigured
    /// The Idempotency-Key was used before with a different request.
    case idempotencyKeyReused
}
