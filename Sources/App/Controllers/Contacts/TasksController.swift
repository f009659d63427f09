import Contacts
import Foundation
import Hummingbird

/// Follow-up tasks on contacts (staff): today the callbacks missed customer calls leave.
///
/// - `GET /v1/tasks?status=open|done&contact=&assignee=me|<id>&limit=`: soonest due first.
/// - `POST /v1/tasks/{id}/complete`: marks it done (repeating it changes nothing).
struct TasksController: Sendable {
    let tasks: ContactTasks

    struct TaskResponse: ResponseEncodable, Sendable {
        let id: UUID
        let kind: String
        let title: String
        let status: String
        let contact: Contact
        let assigneeId: UUID?
        let callId: UUID?
        let dueAt: Date
        let createdAt: Date
        let completedAt: Date?
        let completedBy: UUID?

        struct Contact: Encodable, Sendable {
            let id: UUID
            let name: String
        }

        init(_ task: ContactTask) {
            id = task.id
            kind = task.kind
            title = task.title
            status = task.status
            contact = Contact(id: task.contactID, name: task.contactName)
            assigneeId = task.assigneeID
            callId = task.callID
            dueAt = task.dueAt
            createdAt = task.createdAt
            completedAt = task.completedAt
            completedBy = task.completedBy
        }
    }

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(use: list)
        group.post("{id}/complete", use: complete)
    }

    func list(_ request: Request, context: TenantRequestContext) async throws -> ItemList<TaskResponse> {
        let query = request.uri.queryParameters
        var validator = FieldValidator()
        let status = query["status"].map(String.init) ?? "open"
        if !["open", "done"].contains(status) { validator.fail("/query/status", "must be open or done") }
        var contact: UUID?
        if let raw = query["contact"] {
            contact = UUID(uuidString: String(raw))
            if contact == nil { validator.fail("/query/contact", "must be a contact id") }
        }
        var assignee: UUID?
        if let raw = query["assignee"] {
            assignee = raw == "me" ? context.principal.userID : UUID(uuidString: String(raw))
            if assignee == nil { validator.fail("/query/assignee", "must be a user id or me") }
        }
        var limit = 50
        if let raw = query["limit"] {
            if let value = Int(String(raw)), (1...200).contains(value) { limit = value } else {
                validator.fail("/query/limit", "must be a whole number from 1 to 200")
            }
        }
        try validator.finish()
        let found = try await tasks.list(context.tenantID, status: status, contact: contact, assignee: assignee, limit: limit, logger: context.logger)
        return ItemList(items: found.map(TaskResponse.init))
    }

    func complete(_ request: Request, context: TenantRequestContext) async throws -> TaskResponse {
        let id = try context.pathID()
        guard let task = try await tasks.complete(context.tenantID, id: id, by: context.principal.userID, logger: context.logger) else {
            throw AppError.notFound("No such task.")
        }
        return TaskResponse(task)
    }
}
