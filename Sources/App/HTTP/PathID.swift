import Foundation
import Hummingbird

extension RequestContext {
    /// The `{id}` path parameter as a UUID. Anything that is not one is a 404: it
    /// names no resource, and we answer the same as for another tenant's id.
    func pathID(_ name: String = "id") throws -> UUID {
        guard let raw = parameters.get(name), let id = UUID(uuidString: raw) else { throw AppError.notFound() }
        return id
    }
}
