import Accounts
import Contacts
import Foundation
import Hummingbird

/// The filters and order of `GET /v1/contacts` (and its CSV export) from the query string.
enum ContactListQuery {
    static func parse(_ request: Request, role: Role, userID: UUID? = nil) throws -> (ContactFilter, ContactSort) {
        let query = request.uri.queryParameters
        var validator = FieldValidator()
        var filter = ContactFilter()
        func text(_ name: String) -> String? {
            query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        }
        filter.stage = text("stage").flatMap { ContactFieldRules.stage($0, pointer: "/query/stage", &validator) }
        filter.temperature = text("temperature").flatMap { ContactFieldRules.temperature($0, pointer: "/query/temperature", &validator) }
        filter.tag = text("tag").flatMap { ContactFieldRules.tag($0, pointer: "/query/tag", &validator) }
        filter.source = text("source").flatMap { ContactFieldRules.source($0, pointer: "/query/source", &validator) }
        switch text("owner") {
        case nil: break
        case "none": filter.unassigned = true
        case "me": filter.ownerID = userID
        case let owner?:
            filter.ownerID = UUID(uuidString: owner)
            if filter.ownerID == nil { validator.fail("/query/owner", "must be a user id, me or none") }
        }
        for (name, keyPath) in [("createdFrom", \ContactFilter.createdFrom), ("createdTo", \ContactFilter.createdTo)] {
            guard let raw = text(name) else { continue }
            guard let date = try? Date(raw, strategy: .iso8601) else {
                validator.fail("/query/\(name)", "must be an ISO 8601 time, e.g. 2026-01-31T00:00:00Z")
                continue
            }
            filter[keyPath: keyPath] = date
        }
        if let search = text("q") {
            if search.count > 100 { validator.fail("/query/q", "must be at most 100 characters") } else { filter.search = search }
        }
        if text("deleted") == "true" {
            guard role == .owner || role == .admin else { throw AppError.forbidden("Only owners and admins can list deleted contacts.") }
            filter.deleted = true
        }
        var sort = ContactSort.newest
        if let raw = text("sort") {
            if let parsed = ContactSort(rawValue: raw) {
                sort = parsed
            } else {
                validator.fail("/query/sort", "must be one of \(ContactSort.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        try validator.finish()
        return (filter, sort)
    }
}

extension AppError {
    init(_ error: ContactError) {
        switch error {
        case .notFound: self = .notFound("No such contact.")
        case .importNotFound: self = .notFound("No such import.")
        case .duplicatePhone(let existing):
            self = AppError(
                .conflict, kind: "duplicate-phone", title: "Phone number already used",
                detail: "Another contact has this phone number"
                    + (existing.map { " (contact \($0.uuidString)); update that contact instead." } ?? "."))
        case .invalid(let pointer, let reason): self = .validation(pointer: pointer, reason)
        case .unknownContacts(let ids):
            self = AppError(
                .unprocessableContent, kind: "unknown-contacts", title: "Unknown contacts",
                detail: "Nothing was changed: \(ids.count) of the ids name no contact you can see.",
                fieldErrors: ids.prefix(50).map { .init(pointer: "/ids", detail: "no contact \($0.uuidString)") })
        case .unreadableFile(let reason):
            self = AppError(.unprocessableContent, kind: "unreadable-file", title: "The file cannot be imported", detail: reason)
        }
    }
}
