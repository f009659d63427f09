import Foundation
import Synchronization

/// Facts learned while handling a request that the access log reports at the end
/// (contexts are values, so inner middleware cannot hand them back otherwise).
final class RequestFacts: Sendable {
    private let ids = Mutex<(tenantID: UUID?, userID: UUID?)>((nil, nil))

    func record(tenantID: UUID, userID: UUID) {
        ids.withLock { $0 = (tenantID, userID) }
    }

    var tenantAndUser: (tenantID: UUID?, userID: UUID?) { ids.withLock { $0 } }
}
