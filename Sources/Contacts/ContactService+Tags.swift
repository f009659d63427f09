import Foundation
import Logging

extension ContactService {
    public func tags(by actor: ContactActor, logger: Logger) async throws -> [Tag] {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            try await tags.list(actor.tenantID, on: connection, logger: logger)
        }
    }

    /// Creates a tag (or recolours an existing one); returns whether it was new.
    public func saveTag(name: String, color: String?, by actor: ContactActor, logger: Logger) async throws -> Bool {
        try await database.withTenant(actor.tenantID, logger: logger) { connection in
            try await tags.upsert(actor.tenantID, name: name, color: color, on: connection, logger: logger)
        }
    }

    /// Deletes a tag everywhere; `notFound` when the tenant has no such tag.
    public func deleteTag(name: String, by actor: ContactActor, logger: Logger) async throws {
        let deleted = try await database.withTenant(actor.tenantID, logger: logger) { connection in
            try await tags.delete(actor.tenantID, name: name, on: connection, logger: logger)
        }
        if !deleted { throw ContactError.notFound }
    }
}
