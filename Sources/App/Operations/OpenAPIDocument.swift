import Foundation

/// The OpenAPI 3.1 document shipped as a resource of this module.
public enum OpenAPIDocument {
    /// The document's bytes as kept in the repository.
    public static func bytes() throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return Array(try Data(contentsOf: url))
    }
}
