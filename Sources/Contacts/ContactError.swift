import Foundation

/// What can go wrong with a contact request; the API maps each to a problem.
public enum ContactError: Error, Equatable, Sendable {
    /// No such contact visible to this user (another tenant's, deleted, or not theirs).
    case notFound
    /// Another live contact of the tenant has this phone number.
    case duplicatePhone(existing: UUID?)
    /// A field failed validation (JSON pointer, reason).
    case invalid(pointer: String, reason: String)
    /// Some of the ids of a bulk request name no visible contact; nothing was changed.
    case unknownContacts([UUID])
    /// No such import job for this user.
    case importNotFound
    /// The uploaded file cannot be read; nothing was stored.
    case unreadableFile(String)
}
