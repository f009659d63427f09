import Foundation
import Testing

/// Calls and the CRM: every call is filed under the customer's contact (found by
/// the portal link, else created), the popup names it, the contact's timeline and
/// the call history show the call, and a missed customer call leaves a callback.
@Suite("Calls and contacts", .serialized)
struct CallContactsTests {
    @Test("a customer's call carries their contact in call.ringing, lands on the contact's timeline, and filters history by contact")
    func callIsFiledUnderContact() async throws {
        try await CallsTests.withCalls { app, _, api in
            // setup: an agent online, a customer with no contact yet
            let tenant = try await CallsTests.seed(app.database, slug: "filed", agents: ["Fox Mulder"], customers: 1)
            let agent = tenant.agents[0]
            let customer = tenant.customers[0]
            let ownerToken = try await api.login(tenant, tenant.owner)
            let agentToken = try await api.login(tenant, agent)
            let customerToken = try await api.login(tenant, customer)
            let agentLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: agentToken)
            try await api.waitUntilAvailable([agent.id], staffToken: ownerToken)

            // act: the customer calls; the agent answers and hangs up
            let started = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(agent.id)"}"#)
            try #require(started.status == 201, "\(started.body)")
            let callID = try #require(started.json["id"] as? String)
            #expect(started.json["contact"] == nil, "customers must not see their CRM record: \(started.body)")
            let ringing = try #require(await CallsTests.event(agentLive, "call.ringing", call: callID), "no call.ringing")
            let contact = try #require(ringing["contact"] as? [String: Any], "call.ringing has no contact: \(ringing)")
            let contactID = try #require(contact["id"] as? String)
            #expect(contact["name"] as? String == customer.name)
            #expect(contact["stage"] as? String == "new")
            #expect(try await api.send(.POST, "/v1/calls/\(callID)/accept", token: agentToken).status == 200)
            #expect(try await api.send(.POST, "/v1/calls/\(callID)/end", token: agentToken).status == 200)

            // check: the contact exists, is linked to the customer, and shows the call
            let record = try await api.send(.GET, "/v1/contacts/\(contactID)", token: ownerToken)
            #expect(record.status == 200, "\(record.body)")
            #expect(CallsTests.uuid(record.json["customerUserId"]) == customer.id)
            #expect(record.json["source"] as? String == "portal")
            let timeline = try await api.send(.GET, "/v1/contacts/\(contactID)/timeline", token: ownerToken)
            let entries = (timeline.json["items"] as? [[String: Any]]) ?? []
            let call = try #require(entries.first { $0["kind"] as? String == "call" }, "no call entry: \(timeline.body)")
            let data = (call["data"] as? [String: Any]) ?? [:]
            #expect(CallsTests.uuid(data["callId"]) == UUID(uuidString: callID))
            #expect(data["direction"] as? String == "inbound")
            #expect(data["status"] as? String == "ended")
            #expect(data["durationSeconds"] is Int)
            let history = try await api.send(.GET, "/v1/calls?contact=\(contactID)", token: ownerToken)
            let calls = (history.json["items"] as? [[String: Any]]) ?? []
            #expect(calls.map { $0["id"] as? String } == [callID], "\(history.body)")
            #expect(((calls.first?["contact"] as? [String: Any])?["id"] as? String) == contactID)
            // A second call reuses the same contact; no task for an answered call.
            let again = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(agent.id)"}"#)
            let againID = try #require(again.json["id"] as? String)
            let ringingAgain = try #require(await CallsTests.event(agentLive, "call.ringing", call: againID))
            #expect((ringingAgain["contact"] as? [String: Any])?["id"] as? String == contactID)
            let tasks = try await api.send(.GET, "/v1/tasks", token: ownerToken)
            #expect((tasks.json["items"] as? [Any])?.isEmpty == true, "\(tasks.body)")
            let others = try await api.send(.GET, "/v1/calls?contact=\(UUID().uuidString)", token: ownerToken)
            #expect((others.json["items"] as? [Any])?.isEmpty == true)
            try await api.send(.GET, "/v1/calls?contact=nope", token: ownerToken).expectProblem(422, "validation-failed")
            try await api.send(.GET, "/v1/calls?contact=\(contactID)", token: customerToken).expectProblem(403, "forbidden")
            await agentLive.close()
        }
    }

    @Test("a customer call nobody takes leaves a callback task for the contact's owner, with task.created; completing it closes it")
    func missedCallLeavesCallback() async throws {
        try await CallsTests.withCalls { app, _, api in
            // setup: the customer's contact exists (matched by phone), owned by the agent, who is offline
            let tenant = try await CallsTests.seed(app.database, slug: "callback", agents: ["Dana Scully"], customers: 1)
            let agent = tenant.agents[0]
            let customer = tenant.customers[0]
            let ownerToken = try await api.login(tenant, tenant.owner)
            let agentToken = try await api.login(tenant, agent)
            let customerToken = try await api.login(tenant, customer)
            let created = try await api.send(
                .POST, "/v1/contacts", token: ownerToken,
                json: #"{"name":"Known Lead","ownerId":"\#(agent.id)","customerUserId":"\#(customer.id)"}"#)
            try #require(created.status == 201, "\(created.body)")
            let contactID = try #require(created.json["id"] as? String)

            // act: nobody is reachable; then the agent comes online and sees the task
            try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"strategy":"ring-all"}"#)
                .expectProblem(409, "no-agent-available")

            // check
            let open = try await api.send(.GET, "/v1/tasks?assignee=me", token: agentToken)
            let tasks = (open.json["items"] as? [[String: Any]]) ?? []
            #expect(tasks.count == 1, "\(open.body)")
            let task = try #require(tasks.first)
            #expect(task["kind"] as? String == "callback")
            #expect(task["status"] as? String == "open")
            #expect((task["contact"] as? [String: Any])?["id"] as? String == contactID)
            #expect(CallsTests.uuid(task["assigneeId"]) == agent.id)
            #expect((task["title"] as? String)?.contains("Known Lead") == true)
            let taskID = try #require(task["id"] as? String)
            let timeline = try await api.send(.GET, "/v1/contacts/\(contactID)/timeline", token: ownerToken)
            let entry = ((timeline.json["items"] as? [[String: Any]]) ?? []).first { $0["kind"] as? String == "call" }
            #expect((entry?["data"] as? [String: Any])?["status"] as? String == "missed", "\(timeline.body)")
            // task.created reached the owner of the contact: replay from the start of the stream.
            let agentLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: agentToken, lastEventID: "0-0")
            _ = await agentLive.recorder.wait(timeout: .seconds(15)) { $0.contains { $0.type == "task.created" } }
            let announced = agentLive.events.first { $0.type == "task.created" }?.object
            #expect(announced?["taskId"] as? String == taskID, "no task.created for the agent")
            await agentLive.close()

            let done = try await api.send(.POST, "/v1/tasks/\(taskID)/complete", token: agentToken)
            #expect(done.status == 200, "\(done.body)")
            #expect(done.json["status"] as? String == "done")
            #expect(CallsTests.uuid(done.json["completedBy"]) == agent.id)
            let remaining = try await api.send(.GET, "/v1/tasks", token: agentToken)
            #expect((remaining.json["items"] as? [Any])?.isEmpty == true, "\(remaining.body)")
            let finished = try await api.send(.GET, "/v1/tasks?status=done", token: agentToken)
            #expect((finished.json["items"] as? [Any])?.count == 1)

            // Another tenant cannot see or complete it.
            let other = try await CallsTests.seed(app.database, slug: "callback-other", agents: [], customers: 0)
            let otherToken = try await api.login(other, other.owner)
            try await api.send(.POST, "/v1/tasks/\(taskID)/complete", token: otherToken).expectProblem(404, "not-found")
            #expect(((try await api.send(.GET, "/v1/tasks?status=done", token: otherToken)).json["items"] as? [Any])?.isEmpty == true)
            try await api.send(.GET, "/v1/tasks", token: customerToken).expectProblem(403, "forbidden")
        }
    }
    @Test("a declined call to a named agent leaves the callback with that agent when nobody owns the contact; other agents are not told")
    func declinedDirectCallGoesToTheAgentAsked() async throws {
        try await CallsTests.withCalls { app, _, api in
            // setup: two agents online, a customer with no contact (so nobody owns it)
            let tenant = try await CallsTests.seed(app.database, slug: "asked", agents: ["Ada Asked", "Bo Bystander"], customers: 1)
            let (asked, bystander) = (tenant.agents[0], tenant.agents[1])
            let ownerToken = try await api.login(tenant, tenant.owner)
            let askedToken = try await api.login(tenant, asked)
            let bystanderToken = try await api.login(tenant, bystander)
            let customerToken = try await api.login(tenant, tenant.customers[0])
            let askedLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: askedToken)
            let bystanderLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: bystanderToken)
            try await api.waitUntilAvailable([asked.id, bystander.id], staffToken: ownerToken)

            // act: the customer calls the first agent, who declines
            let started = try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"agentId":"\#(asked.id)"}"#)
            try #require(started.status == 201, "\(started.body)")
            let callID = try #require(started.json["id"] as? String)
            try #require(await CallsTests.event(askedLive, "call.ringing", call: callID) != nil, "no call.ringing")
            #expect(try await api.send(.POST, "/v1/calls/\(callID)/decline", token: askedToken).status == 200)

            // check: the task is the asked agent's, and task.created reached them alone
            let open = try await api.send(.GET, "/v1/tasks?assignee=me", token: askedToken)
            let tasks = (open.json["items"] as? [[String: Any]]) ?? []
            #expect(tasks.count == 1, "\(open.body)")
            #expect(CallsTests.uuid(tasks.first?["assigneeId"]) == asked.id)
            #expect(CallsTests.uuid(tasks.first?["callId"]) == UUID(uuidString: callID))
            let announced = await askedLive.recorder.wait(timeout: .seconds(15)) { $0.contains { $0.type == "task.created" } }
            #expect(announced, "no task.created for the agent asked")
            // Events reach a socket in commit order: once the bystander hears a later
            // event, a task.created meant for them would already have arrived.
            try #require(
                try await api.send(.PUT, "/v1/me/presence", token: askedToken, json: #"{"status":"away"}"#).status == 200)
            let later = await bystanderLive.recorder.wait(timeout: .seconds(15)) { events in
                events.contains { $0.type == "presence.changed" && CallsTests.uuid($0.object["userId"]) == asked.id && $0.object["status"] as? String == "away" }
            }
            #expect(later, "the bystander never heard the later presence change")
            #expect(!bystanderLive.events.contains { $0.type == "task.created" }, "task.created reached an agent the task is not for")
            await askedLive.close()
            await bystanderLive.close()
        }
    }
    @Test("a missed call nobody owns leaves an unassigned callback that owners and admins are told of, not every agent")
    func unassignedCallbackTellsAdministrators() async throws {
        try await CallsTests.withCalls { app, _, api in
            // setup: one agent, offline; a customer with no contact
            let tenant = try await CallsTests.seed(app.database, slug: "unowned", agents: ["Cy Offline"], customers: 1)
            let ownerToken = try await api.login(tenant, tenant.owner)
            let agentToken = try await api.login(tenant, tenant.agents[0])
            let customerToken = try await api.login(tenant, tenant.customers[0])

            // act: nobody is reachable
            try await api.send(.POST, "/v1/calls", token: customerToken, json: #"{"strategy":"ring-all"}"#)
                .expectProblem(409, "no-agent-available")

            // check: one open task, assigned to nobody; the owner hears of it, the agent does not
            let open = try await api.send(.GET, "/v1/tasks", token: ownerToken)
            let tasks = (open.json["items"] as? [[String: Any]]) ?? []
            #expect(tasks.count == 1, "\(open.body)")
            #expect(tasks.first?["assigneeId"] == nil || tasks.first?["assigneeId"] is NSNull, "\(open.body)")
            let ownerLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: ownerToken, lastEventID: "0-0")
            let agentLive = try await RealtimeClient.connect(.webSocket, baseURL: api.base, token: agentToken, lastEventID: "0-0")
            #expect(await ownerLive.recorder.wait(timeout: .seconds(15)) { $0.contains { $0.type == "task.created" } }, "no task.created for the owner")
            // A later event to all staff: once the agent hears it, the replay before it is complete.
            try #require(try await api.send(.PUT, "/v1/me/presence", token: ownerToken, json: #"{"status":"away"}"#).status == 200)
            let later = await agentLive.recorder.wait(timeout: .seconds(15)) { events in
                events.contains { $0.type == "presence.changed" && CallsTests.uuid($0.object["userId"]) == tenant.owner.id }
            }
            #expect(later, "the agent never heard the owner's presence change")
            #expect(!agentLive.events.contains { $0.type == "task.created" }, "task.created reached an agent for an unassigned task")
            await ownerLive.close()
            await agentLive.close()
        }
    }
}
