#!/usr/bin/env python3
"""Writes Sources/App/Resources/openapi.json, the OpenAPI 3.1 document the server
serves at /openapi.json. Edit this file, run it, and commit both; OperationsTests
fails when the document and the router disagree."""
import json

PROBLEM = "application/problem+json"
JSON = "application/json"

def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}

def hdr(name):
    return {"$ref": f"#/components/headers/{name}"}

def ok(description, schema=None, headers=None, media=JSON, extra=None):
    r = {"description": description, "headers": {"X-Request-Id": hdr("X-Request-Id")}}
    if headers:
        r["headers"].update(headers)
    if schema is not None:
        r["content"] = {media: {"schema": schema}}
    if extra:
        r.update(extra)
    return r

PROBLEM_DEFAULTS = {
    "400": "Malformed request (`malformed-request`): the body is not valid JSON.",
    "401": "Authentication required (`unauthenticated`).",
    "403": "Forbidden (`forbidden`): the principal's role does not allow this.",
    "404": "Not found (`not-found`).",
    "409": "Conflict.",
    "413": "Content too large (`content-too-large`): the body is over the 1 MiB (1048576-byte) limit.",
    "415": "Unsupported media type (`unsupported-media-type`): send the body as `application/json` (or another `application/*+json` type).",
    "422": "Validation failed (`validation-failed`): `errors` lists every invalid field by JSON pointer (missing, mistyped or out-of-range fields).",
    "429": "Too many requests (`rate-limited`).",
    "500": "Internal server error (`internal-error`): the body hides internals; quote `requestId` when reporting it.",
    "503": "Service unavailable (`unavailable`): the database cannot be reached; retry after `Retry-After` seconds (5).",
}

def problem(code, description=None):
    headers = {"X-Request-Id": hdr("X-Request-Id"), "Cache-Control": hdr("Cache-Control")}
    if code == "401":
        headers["WWW-Authenticate"] = hdr("WWW-Authenticate")
    if code in ("429", "503"):
        headers["Retry-After"] = hdr("Retry-After")
    return {
        "description": description or PROBLEM_DEFAULTS[code],
        "headers": headers,
        "content": {PROBLEM: {"schema": ref("Problem")}},
    }

def problems(*codes, **overrides):
    out = {}
    for c in codes:
        c = str(c)
        out[c] = problem(c, overrides.get("d" + c))
    return out

def body(schema_name, description):
    return {"description": description, "required": True, "content": {JSON: {"schema": ref(schema_name)}}}

BODY_ERRORS = ("400", "413", "415", "422")

TENANT_SEC = [{"bearerAuth": []}]
OPERATOR_SEC = [{"operatorToken": []}]
PUBLIC_SEC = []

P_LIMIT = {"$ref": "#/components/parameters/limit"}
P_CURSOR = {"$ref": "#/components/parameters/cursor"}
P_ID_USER = {
    "name": "id", "in": "path", "required": True,
    "description": "The user's id. A value that is not a UUID, or the id of a user of another tenant, answers 404.",
    "schema": {"type": "string", "format": "uuid"},
}
P_ID_TENANT = {
    "name": "id", "in": "path", "required": True,
    "description": "The tenant's id. A value that is not a UUID answers 404.",
    "schema": {"type": "string", "format": "uuid"},
}

D401_TENANT = ("Authentication required (`unauthenticated`): no `Authorization: Bearer` access token "
               "(`error=\"invalid_request\"`), or the token is invalid or expired, or its session has ended, or the "
               "user is disabled or the tenant suspended (`error=\"invalid_token\"`).")
D403_ADMIN = "Forbidden (`forbidden`): only owners and admins may do this."
D401_OPERATOR = ("Authentication required (`unauthenticated`): no `Authorization: Bearer` token (`error=\"invalid_request\"`) "
                 "or it is not the operator token (`error=\"invalid_token\"`).")

def op(op_id, summary, tag, security, responses, description=None, parameters=None, request_body=None):
    o = {"operationId": op_id, "summary": summary}
    if description:
        o["description"] = description
    o["tags"] = [tag]
    o["security"] = security
    o["parameters"] = parameters or []
    if request_body:
        o["requestBody"] = request_body
    o["responses"] = dict(sorted(responses.items()))
    return o

paths = {}

# ---------------------------------------------------------------- operations
paths["/health/live"] = {"get": op(
    "getLiveness", "Liveness probe", "Operations", PUBLIC_SEC,
    {"200": ok("The process answers. `checks` is omitted.", ref("Health"))},
    description="Answers 200 `{\"status\": \"ok\"}` while the process runs; touches nothing else.",
)}
paths["/health/ready"] = {"get": op(
    "getReadiness", "Readiness probe", "Operations", PUBLIC_SEC,
    {
        "200": ok("The database answers and no migration is pending: `status` is `ok` and every check is `ok`.",
                  ref("Health"), headers={"Cache-Control": hdr("Cache-Control")}),
        "503": ok("Not ready: `status` is `unavailable` and `checks` says why (the database cannot be reached, or "
                  "migrations are pending). Note: this is a plain `application/json` Health body, not a problem.",
                  ref("Health"), headers={"Cache-Control": hdr("Cache-Control")}),
    },
    description="Checks that the database answers and that no migration is pending. "
                "`checks.database` is `ok` or `unavailable`; `checks.migrations` is `ok`, `<n> pending` or `unknown`.",
)}
paths["/metrics"] = {"get": op(
    "getMetrics", "Prometheus metrics", "Operations", PUBLIC_SEC,
    {"200": ok("Metrics in the Prometheus text exposition format (`text/plain; version=0.0.4; charset=utf-8`).",
               {"type": "string"}, media="text/plain")},
)}
paths["/openapi.json"] = {"get": op(
    "getOpenAPIDocument", "This OpenAPI document", "Operations", PUBLIC_SEC,
    {
        "200": ok("The OpenAPI 3.1 document describing this API.", {"type": "object"}),
        **problems(500, d500="Internal server error (`internal-error`): the document is missing from the build."),
    },
)}

# ---------------------------------------------------------------- auth
paths["/v1/auth/login"] = {"post": op(
    "login", "Sign in", "Auth", PUBLIC_SEC,
    {
        "200": ok("Signed in: a new session with an access token and a refresh token.", ref("TokenResponse")),
        **problems(*BODY_ERRORS, 401, 403, 429, 500, 503,
                   d401="Invalid credentials (`invalid-credentials`): the tenant, email or password is not correct "
                        "(one answer for all three). Counts as a failed attempt for rate limiting.",
                   d403="The password is right but the user is disabled (`user-disabled`) or the tenant is "
                        "suspended (`tenant-suspended`).",
                   d422="Validation failed (`validation-failed`): a field is missing or mistyped, `tenant` is empty or "
                        "over 63 characters, `email` is empty or over 254 characters, or `password` is empty or over 1024 bytes.",
                   d429="Too many failed attempts (`rate-limited`) for this account (5 per 15 minutes by default) or from "
                        "this client address (20 per 15 minutes by default); `Retry-After` gives the seconds to wait."),
    },
    description="Checks the password and opens a session. The tenant slug is matched case-insensitively, "
                "as is the email. Failed logins are rate limited per account and per client address.",
    request_body=body("LoginRequest", "The tenant slug and the user's credentials."),
)}
paths["/v1/auth/refresh"] = {"post": op(
    "refreshTokens", "Rotate a refresh token", "Auth", PUBLIC_SEC,
    {
        "200": ok("A new access token and a new refresh token for the same session; the presented refresh token is now used.",
                  ref("TokenResponse")),
        **problems(*BODY_ERRORS, 401, 403, 500, 503,
                   d401="Authentication required (`unauthenticated`): the refresh token is not valid (unknown, malformed, "
                        "expired, or its session was revoked), or it was already used, in which case its whole session "
                        "has now been revoked.",
                   d403="The user is disabled (`user-disabled`) or the tenant is suspended (`tenant-suspended`)."),
    },
    description="Exchanges a refresh token for a new token pair. Each refresh token works once: presenting a used "
                "one revokes its whole session (reuse detection).",
    request_body=body("RefreshRequest", "The refresh token to rotate."),
)}
paths["/v1/auth/logout"] = {"post": op(
    "logout", "Sign out", "Auth", PUBLIC_SEC,
    {
        "204": ok("The session the refresh token belongs to is revoked (an unknown or malformed token is ignored: logout is idempotent and reveals nothing)."),
        **problems(*BODY_ERRORS, 500, 503),
    },
    description="Revokes the session of the refresh token. Unknown or malformed tokens are ignored.",
    request_body=body("RefreshRequest", "The refresh token of the session to end."),
)}

# ---------------------------------------------------------------- me
paths["/v1/me"] = {"get": op(
    "getMe", "The signed-in user", "Me", TENANT_SEC,
    {
        "200": ok("The signed-in user.", ref("User")),
        **problems(401, 500, 503, d401=D401_TENANT),
    },
    description="Any signed-in user (owner, admin, agent or customer). Answered from the user row read at authentication, at most 2 seconds old.",
)}

# ---------------------------------------------------------------- users
paths["/v1/users"] = {
    "get": op(
        "listUsers", "List the tenant's users", "Users", TENANT_SEC,
        {
            "200": ok("One page of users in creation order.", ref("UserPage")),
            **problems(401, 403, 422, 500, 503, d401=D401_TENANT, d403=D403_ADMIN,
                       d422="Validation failed (`validation-failed`): a query parameter is invalid; pointers are "
                            "`/query/limit`, `/query/cursor`, `/query/role`, `/query/status` or `/query/q`."),
        },
        description="Owners and admins. Filters combine with AND; cursor pagination in creation order.",
        parameters=[
            P_LIMIT, P_CURSOR,
            {"name": "role", "in": "query", "required": False, "description": "Only users with this role.",
             "schema": ref("Role")},
            {"name": "status", "in": "query", "required": False, "description": "Only users with this status.",
             "schema": ref("UserStatus")},
            {"name": "q", "in": "query", "required": False,
             "description": "Case-insensitive substring of the email or name. Empty means no filter.",
             "schema": {"type": "string", "maxLength": 200}},
        ],
    ),
    "post": op(
        "createUser", "Create a user", "Users", TENANT_SEC,
        {
            "201": ok("The user was created.", ref("User"), headers={"Location": hdr("Location")}),
            **problems(*BODY_ERRORS, 401, 403, 409, 500, 503, d401=D401_TENANT,
                       d403="Forbidden (`forbidden`): only owners and admins may create users, and only owners may create owners.",
                       d409="Email already used (`email-taken`): another user of this tenant has that email; `errors` points at `/email`."),
        },
        description="Owners and admins; only owners create owners. The user starts `active`.",
        request_body=body("CreateUserRequest", "The new user."),
    ),
}
paths["/v1/users/{id}"] = {
    "get": op(
        "getUser", "Get a user", "Users", TENANT_SEC,
        {
            "200": ok("The user.", ref("User")),
            **problems(401, 403, 404, 500, 503, d401=D401_TENANT, d403=D403_ADMIN,
                       d404="Not found (`not-found`): no user of this tenant has that id."),
        },
        description="Owners and admins.",
        parameters=[P_ID_USER],
    ),
    "patch": op(
        "updateUser", "Change a user", "Users", TENANT_SEC,
        {
            "200": ok("The changed user.", ref("User")),
            **problems(*BODY_ERRORS, 401, 403, 404, 409, 500, 503, d401=D401_TENANT,
                       d403="Forbidden (`forbidden`): only owners and admins may change users, and only owners may change "
                            "an owner or make someone an owner.",
                       d404="Not found (`not-found`): no user of this tenant has that id.",
                       d409="Conflict: another user of this tenant has that email (`email-taken`, `errors` points at "
                            "`/email`), or the change would leave the tenant without an active owner (`last-owner`).",
                       d422="Validation failed (`validation-failed`): a field is invalid or mistyped, or the body changes "
                            "nothing (pointer `\"\"`)."),
        },
        description="Owners and admins. Absent (or null) fields stay as they are, except `\"phone\": null`, which clears "
                    "the phone. Disabling a user or setting a password revokes all of the user's sessions.",
        parameters=[P_ID_USER],
        request_body=body("UpdateUserRequest", "The fields to change; at least one."),
    ),
    "delete": op(
        "disableUser", "Disable a user", "Users", TENANT_SEC,
        {
            "200": ok("The user, now `disabled`. The row and its history stay.", ref("User")),
            **problems(401, 403, 404, 409, 500, 503, d401=D401_TENANT,
                       d403="Forbidden (`forbidden`): only owners and admins may disable users, and only owners may disable an owner.",
                       d404="Not found (`not-found`): no user of this tenant has that id.",
                       d409="Last owner (`last-owner`): the tenant must keep at least one active owner."),
        },
        description="Owners and admins. Disables the user (it is not deleted) and revokes all of its sessions.",
        parameters=[P_ID_USER],
    ),
}

# ---------------------------------------------------------------- settings
paths["/v1/settings"] = {
    "get": op(
        "getSettings", "Get the tenant's settings", "Settings", TENANT_SEC,
        {
            "200": ok("The settings; secrets only as `{configured, last4?, updatedAt?}`.", ref("Settings")),
            **problems(401, 403, 404, 500, 503, d401=D401_TENANT, d403=D403_ADMIN,
                       d404="Not found (`not-found`): the tenant no longer exists."),
        },
        description="Owners and admins. Integration secrets are write-only: reads show whether each is configured and "
                    "at most its last 4 characters.",
    ),
    "patch": op(
        "updateSettings", "Change the tenant's settings", "Settings", TENANT_SEC,
        {
            "200": ok("The settings after the change.", ref("Settings")),
            **problems(*BODY_ERRORS, 401, 403, 404, 500, 503, d401=D401_TENANT, d403=D403_ADMIN,
                       d404="Not found (`not-found`): the tenant no longer exists.",
                       d422="Validation failed (`validation-failed`): a field is invalid or mistyped, or the body changes "
                            "nothing (pointer `\"\"`)."),
        },
        description="Owners and admins. Absent (or null) fields stay. An empty string clears a public identifier "
                    "(`phoneNumberId`, `businessAccountId`, `keyId`, `apiKey`) and removes a secret. The change is audited "
                    "by field name only.",
        request_body=body("UpdateSettingsRequest", "The fields to change; at least one."),
    ),
}

# ---------------------------------------------------------------- audit
paths["/v1/audit"] = {"get": op(
    "listAuditEntries", "List the tenant's audit log", "Audit", TENANT_SEC,
    {
        "200": ok("One page of audit entries, newest first.", ref("AuditPage")),
        **problems(401, 403, 422, 500, 503, d401=D401_TENANT, d403=D403_ADMIN,
                   d422="Validation failed (`validation-failed`): `limit` or `cursor` is invalid (pointers `/query/limit`, `/query/cursor`)."),
    },
    description="Owners and admins. Newest first; cursor pagination.",
    parameters=[P_LIMIT, P_CURSOR],
)}

# ---------------------------------------------------------------- operator
paths["/v1/operator/tenants"] = {
    "post": op(
        "createTenant", "Create a tenant and its first owner", "Operator", OPERATOR_SEC,
        {
            "201": ok("The tenant and its owner were created in one transaction.", ref("CreatedTenant"),
                      headers={"Location": hdr("Location")}),
            **problems(*BODY_ERRORS, 401, 409, 500, 503, d401=D401_OPERATOR,
                       d409="Slug already used (`slug-taken`): another tenant has that slug; `errors` points at `/slug`."),
        },
        description="Platform operator only. The tenant starts `active` with default settings; the owner starts `active` with role `owner`.",
        request_body=body("CreateTenantRequest", "The tenant and its first owner."),
    ),
    "get": op(
        "listTenants", "List tenants", "Operator", OPERATOR_SEC,
        {
            "200": ok("One page of tenants ordered by slug.", ref("TenantPage")),
            **problems(401, 422, 500, 503, d401=D401_OPERATOR,
                       d422="Validation failed (`validation-failed`): `limit` or `cursor` is invalid (pointers `/query/limit`, `/query/cursor`)."),
        },
        description="Platform operator only. Ordered by slug; cursor pagination.",
        parameters=[P_LIMIT, P_CURSOR],
    ),
}
paths["/v1/operator/tenants/{id}"] = {"patch": op(
    "updateTenant", "Rename, suspend or resume a tenant", "Operator", OPERATOR_SEC,
    {
        "200": ok("The changed tenant.", ref("Tenant")),
        **problems(*BODY_ERRORS, 401, 404, 500, 503, d401=D401_OPERATOR,
                   d404="Not found (`not-found`): no tenant has that id.",
                   d422="Validation failed (`validation-failed`): `name` or `status` is invalid or mistyped, or the body "
                        "changes neither (pointer `\"\"`)."),
    },
    description="Platform operator only. A suspended tenant's users cannot sign in or refresh, and their access tokens stop "
                "working within seconds.",
    parameters=[P_ID_TENANT],
    request_body=body("UpdateTenantRequest", "The name and/or status to set; at least one."),
)}

# ---------------------------------------------------------------- presence
D403_STAFF = "Forbidden (`forbidden`): customers have no presence; only owners, admins and agents."
paths["/v1/me/presence"] = {"put": op(
    "setMyPresence", "Set my presence status", "Presence", TENANT_SEC,
    {
        "200": ok("The caller's presence after the change.", ref("Presence")),
        **problems(*BODY_ERRORS, 401, 403, 500, 503, d401=D401_TENANT, d403=D403_STAFF,
                   d422="Validation failed (`validation-failed`): `status` is missing or not one of "
                        "`available`, `busy`, `away`, `offline`."),
    },
    description="Staff set their own availability. A change is announced to the tenant's staff as a "
                "`presence.changed` event `{userId, status, reachable}`.",
    request_body=body("SetPresenceRequest", "The status to set."),
)}
paths["/v1/presence"] = {"get": op(
    "listPresence", "The tenant's staff presence", "Presence", TENANT_SEC,
    {
        "200": ok("Every active owner, admin and agent with their status; reachable ones first, then by name.",
                  ref("PresenceList")),
        **problems(401, 403, 500, 503, d401=D401_TENANT, d403=D403_STAFF),
    },
    description="Reachable means a status other than `offline` and at least one live real-time connection on a "
                "live server node (a node that stops heartbeating loses its users within "
                "`SWITCHBOARD_NODE_TIMEOUT_SECONDS` plus one sweep, 25 s by default).",
)}

# ---------------------------------------------------------------- real-time
P_ACCESS_TOKEN = {
    "name": "access_token", "in": "query", "required": False,
    "description": "The access token, for clients that cannot set `Authorization` (browser WebSockets and "
                   "EventSource). Never logged.",
    "schema": {"type": "string", "maxLength": 4096},
}
P_LAST_EVENT_ID = {
    "name": "lastEventId", "in": "query", "required": False,
    "description": "Resume after this event id (`<txid>-<id>`, the `id` of the last event received): everything "
                   "the user missed is replayed in order before live events, with no gap and no duplicate. An id "
                   "the server no longer holds (older than retention, 24 h by default) yields a `resync` event first.",
    "schema": {"type": "string", "pattern": "^[0-9]+-[0-9]+$", "maxLength": 41},
}
H_LAST_EVENT_ID = {
    "name": "Last-Event-ID", "in": "header", "required": False,
    "description": "SSE resume: same meaning as `lastEventId` (browsers send it when EventSource reconnects).",
    "schema": {"type": "string", "pattern": "^[0-9]+-[0-9]+$", "maxLength": 41},
}
REALTIME_422 = "Validation failed (`validation-failed`): the resume id is not an event id this server issued (pointer `/lastEventId`)."
REALTIME_429 = ("Too many real-time connections (`too-many-connections`): the user already holds the maximum on this "
                "node (`SWITCHBOARD_REALTIME_MAX_CONNECTIONS_PER_USER`, 10 by default).")
REALTIME_401 = ("Authentication required (`unauthenticated`): no access token in `Authorization` or `access_token`, or it "
                "is invalid or expired, or its session has ended, or the user is disabled or the tenant suspended.")
CLOSE_CODES = (
    "Close codes: 1000 normal; 1001 server restarting, reconnect (any node) with the last id; 1009 a client message "
    "over 64 KiB (do not resend it); 1011 refused at connect by a server error, reconnect later; 4000 too slow (the "
    "1000-event / 1 MiB queue overflowed), reconnect with the last id; 4001 access token expired (or missing or "
    "invalid at connect) or role changed, refresh the token then reconnect with the last id; 4003 session revoked, "
    "user disabled or tenant suspended, do not reconnect; 4029 too many connections for this user, do not reconnect "
    "automatically; 4422 refused at connect because `lastEventId` is not an event id, reconnect without it."
)
paths["/v1/realtime"] = {"get": op(
    "openRealtimeWebSocket", "Real-time events over WebSocket", "Real-time", TENANT_SEC,
    {
        "101": {"description": "Switched to the WebSocket protocol. Each event arrives as one text frame holding an "
                               "`Event` envelope. A refused upgrade (bad token, bad `lastEventId`, too many "
                               "connections) is also switched, then closed at once with 4001, 4422, 4029 or 1011 "
                               "before any event: browsers cannot read a failed handshake's status. The problems "
                               "below answer a plain GET. " + CLOSE_CODES,
                "headers": {"X-Request-Id": hdr("X-Request-Id")}},
        "426": problem("426", "Upgrade required (`upgrade-required`): the request was authenticated but is not a "
                              "WebSocket upgrade; open it as a WebSocket or use `/v1/realtime/sse`."),
        **problems(401, 422, 429, 500, 503, d401=REALTIME_401, d422=REALTIME_422, d429=REALTIME_429),
    },
    description="Events for the signed-in user, in order: those whose audience includes the user (by id or role) "
                "within their tenant. The server pings every 10 s and closes a socket whose ping goes unanswered "
                "for 10 s. Messages from the client are read and ignored (at most 64 KiB each).",
    parameters=[P_ACCESS_TOKEN, P_LAST_EVENT_ID],
)}
paths["/v1/realtime/sse"] = {"get": op(
    "openRealtimeEventStream", "Real-time events over Server-Sent Events", "Real-time", TENANT_SEC,
    {
        "200": ok("An endless `text/event-stream`: `retry: 2000` first, then for each event `id: <id>`, "
                  "`event: <type>` and `data: <Event envelope as JSON>`; a `: heartbeat` comment every 20 s; when the "
                  "server ends the stream, a final `event: close` whose data is `{code, reason, reconnect}` with the "
                  "WebSocket close codes. " + CLOSE_CODES, {"type": "string"}, media="text/event-stream",
                  headers={"Cache-Control": hdr("Cache-Control")}),
        **problems(401, 422, 429, 500, 503, d401=REALTIME_401, d422=REALTIME_422, d429=REALTIME_429),
    },
    description="The same events as the WebSocket, in the same order.",
    parameters=[P_ACCESS_TOKEN, P_LAST_EVENT_ID, H_LAST_EVENT_ID],
)}

# ---------------------------------------------------------------- calls
P_ID_CALL = {
    "name": "id", "in": "path", "required": True,
    "description": "The call's id. A value that is not a UUID, another tenant's call, or (for customers) a call they are not part of answers 404.",
    "schema": {"type": "string", "format": "uuid"},
}
H_IDEMPOTENCY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Makes a retry safe: the same key with the same body answers the call it made (with `Idempotent-Replayed: true`); "
                   "with a different body, 422 `idempotency-key-reused`; a retry of a request refused with 409 `no-agent-available` "
                   "answers the same 409 naming the same missed call. 1–200 visible ASCII characters.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}
D404_CALL = "Not found (`not-found`): no such call in the tenant, or not one this user takes part in (or was offered)."
D409_CALL = "Call state conflict (`call-state-conflict`): the call is not in a state that allows this (already answered elsewhere, not ringing for you, already ended, ...). Nothing changed."
D403_CALL = "Forbidden (`forbidden`): e.g. only the caller can cancel."
D502 = "Media server unavailable (`sfu-unavailable`): LiveKit's RoomService failed; no call was created."
D503_CALL = ("Service unavailable: the database cannot be reached (`unavailable`), or no LiveKit server is configured "
             "for the tenant or globally (`calling-not-configured`).")

def call_transition(op_id, summary, description, d409=D409_CALL, with_livekit=False):
    return {"post": op(
        op_id, summary, "Calls", TENANT_SEC,
        {
            "200": ok("The call after the change" + (", with the callee's LiveKit access." if with_livekit else "."),
                      ref("Call")),
            **problems(401, 403, 404, 409, 500, 503, d401=D401_TENANT, d403=D403_CALL, d404=D404_CALL, d409=d409,
                       d503=D503_CALL),
        },
        description=description,
        parameters=[P_ID_CALL],
    )}

paths["/v1/calls"] = {
    "post": op(
        "startCall", "Start a browser call", "Calls", TENANT_SEC,
        {
            "201": ok("The call, ringing, with the caller's LiveKit access (`livekit.url`, `livekit.token`).", ref("Call"),
                      headers={"Location": hdr("Location")}),
            **problems(*BODY_ERRORS, 401, 403, 404, 409, 500, 502, 503, d401=D401_TENANT,
                       d403="Forbidden (`forbidden`): customers call agents (`agentId`/`strategy`), staff call customers (`customerId`).",
                       d404="Not found (`not-found`): no active user with that id can be called in this tenant.",
                       d409="No agent available (`no-agent-available`): nobody reachable and available can take the call; "
                            "it was recorded as a missed call (the detail names it).",
                       d422="Validation failed (`validation-failed`): give exactly one of `agentId`, `customerId`, `strategy` "
                            "(customers may give none: the tenant's default strategy), ids must be UUIDs, `strategy` must be "
                            "`ring-all` or `round-robin`; or the Idempotency-Key is malformed or was used for a different "
                            "request (`idempotency-key-reused`).",
                       d502=D502, d503=D503_CALL),
        },
        description="Customers call one agent (`agentId`) or whoever is available (`strategy`: `ring-all` rings every "
                    "reachable available agent, the first accept wins; `round-robin` rings the least recently offered "
                    "free agent, moving on after a decline or the ring timeout). Staff call a customer (`customerId`). "
                    "The callees get `call.ringing`; the call is missed after the tenant's ring timeout (30 s by default).",
        parameters=[H_IDEMPOTENCY],
        request_body=body("StartCallRequest", "Whom to call."),
    ),
    "get": op(
        "listCalls", "Call history", "Calls", TENANT_SEC,
        {
            "200": ok("One page of calls, newest first.", ref("CallPage")),
            **problems(401, 422, 500, 503, d401=D401_TENANT,
                       d422="Validation failed (`validation-failed`): a query parameter is invalid; pointers are "
                            "`/query/limit`, `/query/cursor`, `/query/status`, `/query/participant`, `/query/from`, `/query/to`."),
        },
        description="Staff see every call of the tenant; customers only calls they made, took or were offered.",
        parameters=[
            P_LIMIT, P_CURSOR,
            {"name": "status", "in": "query", "required": False, "description": "Only calls in this status.",
             "schema": ref("CallStatus")},
            {"name": "participant", "in": "query", "required": False, "description": "Only calls this user made, took or was rung for.",
             "schema": {"type": "string", "format": "uuid"}},
            {"name": "from", "in": "query", "required": False, "description": "Created at or after (ISO 8601).",
             "schema": {"type": "string", "format": "date-time"}},
            {"name": "to", "in": "query", "required": False, "description": "Created before (ISO 8601).",
             "schema": {"type": "string", "format": "date-time"}},
        ],
    ),
}
paths["/v1/calls/{id}"] = {"get": op(
    "getCall", "One call", "Calls", TENANT_SEC,
    {"200": ok("The call.", ref("Call")), **problems(401, 404, 500, 503, d401=D401_TENANT, d404=D404_CALL)},
    parameters=[P_ID_CALL],
)}
paths["/v1/calls/{id}/accept"] = call_transition(
    "acceptCall", "Accept a ringing call",
    "For a callee the call is ringing for. The first accept wins atomically; every other agent rung gets "
    "`call.answered_elsewhere` and a 409 if they try. Staff participants become `busy` until the call ends.",
    with_livekit=True)
paths["/v1/calls/{id}/decline"] = call_transition(
    "declineCall", "Decline a ringing call",
    "For a callee the call is ringing for. Round robin moves to the next agent; ring-all ends (`declined`) when "
    "everyone rung has declined; a direct call ends `declined`.")
paths["/v1/calls/{id}/cancel"] = call_transition(
    "cancelCall", "Cancel a call while it rings", "For the caller; everyone rung gets `call.cancelled`.")
paths["/v1/calls/{id}/end"] = call_transition(
    "endCall", "End an accepted call",
    "For either participant; both get `call.ended` with the duration. Staff get their previous status back, after "
    "the tenant's wrap-up time if one is set.")
paths["/v1/agents/available"] = {"get": op(
    "listAvailableAgents", "Agents who can take a call", "Calls", TENANT_SEC,
    {
        "200": ok("Customers: the reachable, available agents (`AvailableAgent`: id, name, initials). Staff: every "
                  "agent with presence and call state (`AgentState`).", ref("AgentList")),
        **problems(401, 500, 503, d401=D401_TENANT),
    },
)}

# ---------------------------------------------------------------- schemas
def nullable(schema):
    s = dict(schema)
    t = s.get("type", "string")
    s["type"] = [t, "null"]
    if "enum" in s:
        s["enum"] = list(s["enum"]) + [None]
    return s

uuid = {"type": "string", "format": "uuid"}
dt = {"type": "string", "format": "date-time"}

def obj(properties, required=(), description=None, additional=None):
    o = {"type": "object"}
    if description:
        o["description"] = description
    if required:
        o["required"] = list(required)
    o["properties"] = properties
    if additional is not None:
        o["additionalProperties"] = additional
    return o

secret_state = ref("SecretState")

def secret_input(desc):
    return nullable({"type": "string", "maxLength": 4096,
                     "description": desc + " Write-only; at most 4096 characters on one line. An empty string removes it."})

def ident_input(desc):
    return nullable({"type": "string", "maxLength": 200, "pattern": "^\\S*$",
                     "description": desc + " At most 200 characters without whitespace; an empty string clears it."})

schemas = {
    "CallStatus": {"type": "string", "enum": ["ringing", "accepted", "ended", "declined", "missed", "cancelled"]},
    "CallParty": obj({"id": uuid, "name": {"type": "string"}, "type": {"type": "string", "enum": ["staff", "customer"]}},
                     required=["id", "name", "type"]),
    "CallOffer": obj({
        "userId": uuid,
        "state": {"type": "string", "enum": ["ringing", "accepted", "declined", "timed-out", "answered-elsewhere", "cancelled", "missed"]},
        "offeredAt": dt,
    }, required=["userId", "state", "offeredAt"]),
    "Call": obj({
        "id": uuid,
        "status": ref("CallStatus"),
        "strategy": {"type": "string", "enum": ["direct", "ring-all", "round-robin"]},
        "caller": ref("CallParty"),
        "callee": ref("CallParty"),
        "room": {"type": "string", "description": "The LiveKit room carrying the call's media."},
        "offers": {"type": "array", "items": ref("CallOffer"), "description": "Who was rung and how that ended; omitted for customers."},
        "ringDeadline": dt, "createdAt": dt, "answeredAt": dt, "endedAt": dt,
        "durationSeconds": {"type": "integer", "minimum": 0},
        "endReason": {"type": "string", "enum": ["completed", "declined", "missed", "no-agents", "cancelled"]},
        "endedBy": uuid,
        "livekit": obj({"url": {"type": "string"}, "token": {"type": "string", "description": "A LiveKit access token for this room, valid 10 minutes for joining."}},
                       required=["url", "token"]),
    }, required=["id", "status", "strategy", "caller", "room", "createdAt"],
        description="A browser call. Absent optional fields have no value yet."),
    "CallPage": obj({
        "items": {"type": "array", "items": ref("Call")},
        "nextCursor": {"type": ["string", "null"]},
    }, required=["items", "nextCursor"]),
    "StartCallRequest": obj({
        "agentId": uuid, "customerId": uuid,
        "strategy": {"type": "string", "enum": ["ring-all", "round-robin"]},
    }, description="Exactly one field (customers may send `{}` for the tenant's default strategy)."),
    "AgentList": obj({"items": {"type": "array", "items": {"oneOf": [ref("AvailableAgent"), ref("AgentState")]}}}, required=["items"]),
    "AvailableAgent": obj({"id": uuid, "name": {"type": "string"}, "initials": {"type": "string"}}, required=["id", "name", "initials"]),
    "AgentState": obj({
        "id": uuid, "name": {"type": "string"}, "initials": {"type": "string"}, "status": ref("PresenceStatus"),
        "reachable": {"type": "boolean"}, "available": {"type": "boolean"}, "ringing": {"type": "boolean"}, "onCall": {"type": "boolean"},
    }, required=["id", "name", "initials", "status", "reachable", "available", "ringing", "onCall"]),
    "Event": obj({
        "id": {"type": "string", "pattern": "^[0-9]+-[0-9]+$",
               "description": "Position in the delivery order; pass back as `lastEventId` / `Last-Event-ID` to resume."},
        "type": {"type": "string", "description": "E.g. `presence.changed`, `call.ringing`, `chat.message`, or `resync`.",
                 "examples": ["presence.changed"]},
        "occurredAt": {"type": "string", "format": "date-time"},
        "data": {"type": "object", "description": "The event's payload; its shape depends on `type`."},
    }, required=["id", "type", "occurredAt", "data"],
        description="A real-time event envelope. `resync` data is `{lastEventId, reason}`: reload state over REST."),
    "PresenceStatus": {"type": "string", "enum": ["available", "busy", "away", "offline"]},
    "SetPresenceRequest": obj({"status": ref("PresenceStatus")}, required=["status"]),
    "Presence": obj({
        "userId": uuid,
        "name": {"type": "string"},
        "role": ref("Role"),
        "status": ref("PresenceStatus"),
        "reachable": {"type": "boolean",
                      "description": "A status other than `offline` and a live real-time connection on a live node."},
        "updatedAt": dt,
    }, required=["userId", "name", "role", "status", "reachable", "updatedAt"]),
    "PresenceList": obj({"items": {"type": "array", "items": ref("Presence")}}, required=["items"]),
    "Problem": obj({
        "type": {"type": "string", "format": "uri",
                 "description": "`https://switchboard.dev/problems/<kind>`, e.g. `.../validation-failed`.",
                 "examples": ["https://switchboard.dev/problems/validation-failed"]},
        "title": {"type": "string", "description": "Short summary of the problem kind."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong in this occurrence."},
        "instance": {"type": "string", "description": "The request path (without the query)."},
        "requestId": {"type": "string", "description": "The request id, also sent as the `X-Request-Id` header."},
        "errors": {"type": "array", "minItems": 1, "items": ref("FieldError"),
                   "description": "Present only when specific fields are invalid (422, and 409 `email-taken`/`slug-taken`)."},
    }, required=["type", "title", "status", "detail", "instance", "requestId"],
        description="An RFC 9457 problem document, sent as `application/problem+json`."),
    "FieldError": obj({
        "pointer": {"type": "string",
                    "description": "JSON pointer into the request body (e.g. `/owner/email`; `\"\"` for the whole body), or "
                                   "`/query/<name>` for a query parameter."},
        "detail": {"type": "string", "description": "What is wrong with it, e.g. `is required`."},
    }, required=["pointer", "detail"], description="One invalid input field."),
    "Role": {"type": "string", "enum": ["owner", "admin", "agent", "customer"],
             "description": "What a user may do within their tenant. Owners and admins administer; customers are portal users."},
    "UserStatus": {"type": "string", "enum": ["active", "disabled"], "description": "Whether a user may sign in."},
    "TenantStatus": {"type": "string", "enum": ["active", "suspended"], "description": "Whether a tenant's users may sign in."},
    "User": obj({
        "id": uuid,
        "tenantId": uuid,
        "email": {"type": "string"},
        "name": {"type": "string"},
        "phone": {"type": "string", "description": "Omitted when the user has no phone number."},
        "role": ref("Role"),
        "status": ref("UserStatus"),
        "createdAt": dt,
        "updatedAt": dt,
    }, required=["id", "tenantId", "email", "name", "role", "status", "createdAt", "updatedAt"],
        description="A user as the API shows it. The password hash never leaves the server."),
    "UserPage": obj({
        "items": {"type": "array", "items": ref("User")},
        "nextCursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last page."},
    }, required=["items", "nextCursor"]),
    "TokenResponse": obj({
        "accessToken": {"type": "string", "description": "A JWT access token (HS256), for `Authorization: Bearer`."},
        "refreshToken": {"type": "string", "description": "An opaque refresh token (`<tenant id>.<random>`), valid once, for 30 days."},
        "tokenType": {"type": "string", "const": "Bearer"},
        "expiresIn": {"type": "integer", "description": "Seconds until the access token expires (900 by default).",
                      "examples": [900]},
        "user": ref("User"),
    }, required=["accessToken", "refreshToken", "tokenType", "expiresIn", "user"]),
    "LoginRequest": obj({
        "tenant": {"type": "string", "minLength": 1, "maxLength": 63, "description": "The tenant's slug (case-insensitive)."},
        "email": {"type": "string", "minLength": 1, "maxLength": 254, "description": "Matched case-insensitively."},
        "password": {"type": "string", "minLength": 1, "description": "At most 1024 UTF-8 bytes."},
    }, required=["tenant", "email", "password"]),
    "RefreshRequest": obj({
        "refreshToken": {"type": "string", "description": "A refresh token from login or a previous refresh."},
    }, required=["refreshToken"]),
    "CreateUserRequest": obj({
        "email": {"type": "string", "description": "An email address (surrounding spaces are trimmed), 3 to 254 characters; unique within the tenant."},
        "name": {"type": "string", "description": "1 to 200 characters after trimming."},
        "phone": nullable({"type": "string", "description": "6 to 15 digits, optionally with a leading +; spaces, dashes and parentheses are allowed and removed. Null or absent means none."}),
        "role": ref("Role"),
        "password": {"type": "string", "minLength": 10, "maxLength": 72, "description": "At least 10 characters and at most 72 UTF-8 bytes."},
    }, required=["email", "name", "role", "password"]),
    "UpdateUserRequest": obj({
        "email": nullable({"type": "string", "description": "New email address; unique within the tenant."}),
        "name": nullable({"type": "string", "description": "1 to 200 characters after trimming."}),
        "phone": nullable({"type": "string", "description": "New phone number (6 to 15 digits); `null` clears it."}),
        "role": nullable({"type": "string", "enum": ["owner", "admin", "agent", "customer"],
                          "description": "Only owners may make someone an owner or change an owner."}),
        "status": nullable({"type": "string", "enum": ["active", "disabled"],
                            "description": "`disabled` revokes all of the user's sessions."}),
        "password": nullable({"type": "string", "minLength": 10, "maxLength": 72,
                              "description": "New password: at least 10 characters and at most 72 UTF-8 bytes. Revokes all of the user's sessions."}),
    }, description="Absent fields stay as they are; at least one field must change."),
    "Tenant": obj({
        "id": uuid,
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "status": ref("TenantStatus"),
        "createdAt": dt,
        "updatedAt": dt,
    }, required=["id", "slug", "name", "status", "createdAt", "updatedAt"], description="A customer organisation."),
    "TenantPage": obj({
        "items": {"type": "array", "items": ref("Tenant")},
        "nextCursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last page."},
    }, required=["items", "nextCursor"]),
    "CreatedTenant": obj({
        "tenant": ref("Tenant"),
        "owner": ref("User"),
    }, required=["tenant", "owner"]),
    "CreateTenantRequest": obj({
        "slug": {"type": "string", "minLength": 2, "maxLength": 63, "pattern": "^[a-z0-9][a-z0-9-]*$",
                 "description": "2 to 63 lower-case letters, digits or dashes, not starting with a dash; unique."},
        "name": {"type": "string", "description": "1 to 200 characters after trimming."},
        "owner": obj({
            "email": {"type": "string", "description": "An email address, 3 to 254 characters."},
            "name": {"type": "string", "description": "1 to 200 characters after trimming."},
            "password": {"type": "string", "minLength": 10, "maxLength": 72,
                         "description": "At least 10 characters and at most 72 UTF-8 bytes."},
        }, required=["email", "name", "password"], description="The tenant's first owner."),
    }, required=["slug", "name", "owner"]),
    "UpdateTenantRequest": obj({
        "name": nullable({"type": "string", "description": "1 to 200 characters after trimming."}),
        "status": nullable({"type": "string", "enum": ["active", "suspended"],
                            "description": "`suspended` stops the tenant's users; `active` resumes them."}),
    }, description="At least one of `name` and `status`."),
    "SecretState": obj({
        "configured": {"type": "boolean", "description": "Whether the secret is stored."},
        "last4": {"type": "string",
                  "description": "The last 4 characters; omitted when not configured or when the secret is 8 characters or shorter."},
        "updatedAt": {**dt, "description": "When it was last set; omitted when not configured."},
    }, required=["configured"], description="What may be shown of a write-only secret."),
    "Settings": obj({
        "tenant": obj({
            "id": uuid,
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "status": ref("TenantStatus"),
        }, required=["id", "slug", "name", "status"]),
        "defaultCountryCode": {"type": "string", "description": "Prefix for phone numbers written without one, e.g. `+91`.",
                               "examples": ["+91"]},
        "timezone": {"type": "string", "description": "IANA time zone name.", "examples": ["Asia/Kolkata"]},
        "integrations": obj({
            "whatsapp": obj({
                "phoneNumberId": {"type": "string", "description": "Omitted when not set."},
                "businessAccountId": {"type": "string", "description": "Omitted when not set."},
                "accessToken": secret_state,
                "appSecret": secret_state,
                "verifyToken": secret_state,
            }, required=["accessToken", "appSecret", "verifyToken"]),
            "razorpay": obj({
                "keyId": {"type": "string", "description": "Omitted when not set."},
                "keySecret": secret_state,
                "webhookSecret": secret_state,
            }, required=["keySecret", "webhookSecret"]),
            "livekit": obj({
                "url": {"type": "string", "description": "Omitted when not set."},
                "apiKey": {"type": "string", "description": "Omitted when not set."},
                "apiSecret": secret_state,
            }, required=["apiSecret"]),
        }, required=["whatsapp", "razorpay", "livekit"]),
        "calls": ref("CallSettings"),
    }, required=["tenant", "defaultCountryCode", "timezone", "integrations", "calls"],
        description="A tenant's settings as its administrators see them."),
    "UpdateSettingsRequest": obj({
        "name": nullable({"type": "string", "description": "The tenant's display name, 1 to 200 characters after trimming."}),
        "defaultCountryCode": nullable({"type": "string", "pattern": "^\\+[0-9]{1,4}$", "description": "`+` and 1 to 4 digits, e.g. `+91`."}),
        "timezone": nullable({"type": "string", "description": "An IANA time zone such as `Asia/Kolkata`."}),
        "integrations": nullable(obj({
            "whatsapp": nullable(obj({
                "phoneNumberId": ident_input("WhatsApp Cloud API phone number id."),
                "businessAccountId": ident_input("WhatsApp business account id."),
                "accessToken": secret_input("WhatsApp access token."),
                "appSecret": secret_input("WhatsApp app secret."),
                "verifyToken": secret_input("WhatsApp webhook verify token."),
            })),
            "razorpay": nullable(obj({
                "keyId": ident_input("Razorpay key id."),
                "keySecret": secret_input("Razorpay key secret."),
                "webhookSecret": secret_input("Razorpay webhook secret."),
            })),
            "livekit": nullable(obj({
                "url": nullable({"type": "string", "maxLength": 500,
                                 "description": "The LiveKit server: a `ws`, `wss`, `http` or `https` URL with a host, at most 500 characters; \"\" clears it."}),
                "apiKey": ident_input("LiveKit API key."),
                "apiSecret": secret_input("LiveKit API secret."),
            })),
        })),
        "calls": nullable(obj({
            "defaultStrategy": nullable({"type": "string", "enum": ["ring-all", "round-robin"]}),
            "ringTimeoutSeconds": nullable({"type": "integer", "minimum": 5, "maximum": 120}),
            "wrapUpSeconds": nullable({"type": "integer", "minimum": 0, "maximum": 600}),
        })),
    }, description="Absent (or null) fields stay; at least one field must be given."),
    "CallSettings": obj({
        "defaultStrategy": {"type": "string", "enum": ["ring-all", "round-robin"],
                            "description": "What a customer's call without `agentId` or `strategy` uses (default `ring-all`)."},
        "ringTimeoutSeconds": {"type": "integer", "minimum": 5, "maximum": 120,
                               "description": "How long a call (in round robin: each agent) rings (default 30)."},
        "wrapUpSeconds": {"type": "integer", "minimum": 0, "maximum": 600,
                          "description": "How long agents stay busy after a call before their status returns (default 0)."},
    }, required=["defaultStrategy", "ringTimeoutSeconds", "wrapUpSeconds"]),
    "AuditEntry": obj({
        "id": {"type": "integer", "format": "int64"},
        "actorKind": {"type": "string", "enum": ["user", "operator", "system"]},
        "actorUserId": {**uuid, "description": "The acting user; omitted unless `actorKind` is `user`."},
        "action": {"type": "string", "examples": ["user.created", "user.updated", "settings.updated", "tenant.created", "tenant.updated"]},
        "targetType": {"type": "string", "examples": ["user", "tenant"]},
        "targetId": {"type": "string", "description": "Omitted when the entry has no target id."},
        "details": {"type": "object", "additionalProperties": {"type": "string"},
                    "description": "Non-secret details, e.g. `{\"fields\": \"name,role\"}`; field names only, never values."},
        "requestId": {"type": "string", "description": "The request that made the change; omitted when unknown."},
        "createdAt": dt,
    }, required=["id", "actorKind", "action", "targetType", "details", "createdAt"],
        description="One recorded administrative change."),
    "AuditPage": obj({
        "items": {"type": "array", "items": ref("AuditEntry")},
        "nextCursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last page."},
    }, required=["items", "nextCursor"]),
    "Health": obj({
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "checks": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "Readiness only: `database` (`ok` or `unavailable`) and `migrations` (`ok`, `<n> pending` or `unknown`). Omitted by the liveness probe.",
                   "examples": [{"database": "ok", "migrations": "ok"}]},
    }, required=["status"]),
}

doc = {
    "openapi": "3.1.0",
    "info": {
        "title": "Switchboard",
        "version": "0.1.0",
        "description": (
            "Switchboard's multi-tenant API.\n\n"
            "Tenant routes take a JWT access token from `POST /v1/auth/login` as `Authorization: Bearer <token>`; "
            "`/v1/operator/*` takes the platform operator token (`SWITCHBOARD_OPERATOR_TOKEN`).\n\n"
            "Errors are RFC 9457 problems (`application/problem+json`, schema `Problem`). Every response carries "
            "`X-Request-Id`. A path that exists under other methods answers 405 with an `Allow` header; an unknown path "
            "answers 404. Request bodies must be `application/json` (or `application/*+json`) and at most 1 MiB. "
            "Unknown JSON properties are ignored. Optional response properties are omitted when they have no value, "
            "except `nextCursor`, which is always present and null on the last page. Ids are UUIDs (upper-case); "
            "times are ISO 8601."
        ),
    },
    "servers": [{"url": "http://127.0.0.1:8080"}],
    "tags": [
        {"name": "Auth", "description": "Sign-in and token lifecycle."},
        {"name": "Me", "description": "The signed-in user."},
        {"name": "Users", "description": "The tenant's users, for its owners and admins."},
        {"name": "Settings", "description": "The tenant's settings and write-only integration secrets, for its owners and admins."},
        {"name": "Audit", "description": "The tenant's audit trail, for its owners and admins."},
        {"name": "Presence", "description": "Staff availability and reachability."},
        {"name": "Calls", "description": "Browser calls carried by LiveKit: ringing, first-accept-wins, history."},
        {"name": "Real-time", "description": "Events pushed over WebSocket or Server-Sent Events, with resume."},
        {"name": "Operator", "description": "Tenant administration by the platform operator."},
        {"name": "Operations", "description": "Health, metrics and this document; no token needed."},
    ],
    "paths": paths,
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                           "description": "An access token from `POST /v1/auth/login` or `POST /v1/auth/refresh` (15 minutes)."},
            "operatorToken": {"type": "http", "scheme": "bearer",
                              "description": "The platform operator token configured as `SWITCHBOARD_OPERATOR_TOKEN`."},
        },
        "parameters": {
            "limit": {"name": "limit", "in": "query", "required": False,
                      "description": "Page size: a whole number from 1 to 200.",
                      "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
            "cursor": {"name": "cursor", "in": "query", "required": False,
                       "description": "The `nextCursor` of the previous page (opaque); absent or empty for the first page.",
                       "schema": {"type": "string", "maxLength": 200}},
        },
        "headers": {
            "X-Request-Id": {"description": "The request's id; also `requestId` in problems.", "schema": {"type": "string"}},
            "Cache-Control": {"description": "`no-store`.", "schema": {"type": "string", "const": "no-store"}},
            "WWW-Authenticate": {"description": "`Bearer realm=\"switchboard\"`, with `error=\"invalid_request\"` or `error=\"invalid_token\"` except for invalid credentials.",
                                 "schema": {"type": "string"}},
            "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 1}},
            "Location": {"description": "The path of the created resource.", "schema": {"type": "string", "format": "uri-reference"}},
        },
        "schemas": schemas,
    },
}

import os
target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Sources", "App", "Resources", "openapi.json")
with open(target, "w") as f:
    json.dump(doc, f, indent=2, ensure_ascii=False)
    f.write("\n")
