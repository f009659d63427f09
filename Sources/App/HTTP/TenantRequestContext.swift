import Foundation
import Hummingbird
import Logging

/// The context of a route that acts inside one tenant. It cannot exist without an
/// authenticated principal, so a tenant handler without a tenant does not compile.
public struct TenantRequestContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let principal: Principal
    public let clientAddress: String

    public var maxUploadSize: Int { AppRequestContext.bodyLimit }
    public var tenantID: UUID { principal.tenantID }

    public init(context: AppRequestContext) throws {
        guard let principal = context.identity else {
            throw AppError.unauthorized("Send an access token as `Authorization: Bearer <token>`.", error: "invalid_request")
        }
        self.coreContext = context.coreContext
        self.principal = principal
        self.clientAddress = context.clientAddress
    }
}
