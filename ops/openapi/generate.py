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

# For operations whose query parameters are otherwise never refused.
D422_QUERY_NUL = "Validation failed (`validation-failed`): a query parameter holds a NUL character (U+0000)."

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
            **problems(401, 403, 422, 500, 503, d401=D401_TENANT,
                       d403="Forbidden (`forbidden`): customers cannot filter by `contact`.",
                       d422="Validation failed (`validation-failed`): a query parameter is invalid; pointers are "
                            "`/query/limit`, `/query/cursor`, `/query/status`, `/query/participant`, `/query/contact`, `/query/from`, `/query/to`."),
        },
        description="Staff see every call of the tenant; customers only calls they made, took or were offered.",
        parameters=[
            P_LIMIT, P_CURSOR,
            {"name": "status", "in": "query", "required": False, "description": "Only calls in this status.",
             "schema": ref("CallStatus")},
            {"name": "participant", "in": "query", "required": False, "description": "Only calls this user made, took or was rung for.",
             "schema": {"type": "string", "format": "uuid"}},
            {"name": "contact", "in": "query", "required": False,
             "description": "Only calls filed under this CRM contact (staff only; customers get 403).",
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

# ---------------------------------------------------------------- contacts (CRM)
D403_CRM = "Forbidden (`forbidden`): customers have no access to the CRM; only owners, admins and agents."
D404_CONTACT = ("Not found (`not-found`): no live contact of this tenant has that id, or the tenant's "
                "`contacts.agentsSeeOnlyOwn` is on and an agent asks for a contact they do not own.")
D409_PHONE = ("Phone number already used (`duplicate-phone`): another live contact of the tenant has this phone number "
              "(after normalisation to E.164); the detail names that contact when it is known. Update that contact instead.")
D400_OBJECT = "Malformed request (`malformed-request`): the body is not a JSON object."
P_ID_CONTACT = {
    "name": "id", "in": "path", "required": True,
    "description": "The contact's id. A value that is not a UUID, another tenant's contact, a soft-deleted one, or (when "
                   "the tenant's `contacts.agentsSeeOnlyOwn` is on) an agent's request for a contact they do not own "
                   "answers 404.",
    "schema": {"type": "string", "format": "uuid"},
}
CONTACT_FILTERS = [
    {"name": "stage", "in": "query", "required": False, "description": "Only contacts in this stage.",
     "schema": ref("ContactStage")},
    {"name": "temperature", "in": "query", "required": False, "description": "Only contacts with this temperature.",
     "schema": ref("ContactTemperature")},
    {"name": "tag", "in": "query", "required": False,
     "description": "Only contacts carrying this tag (exact, case-sensitive; surrounding spaces are trimmed). 1 to 50 "
                    "characters without commas, semicolons or line breaks.",
     "schema": {"type": "string", "maxLength": 50}},
    {"name": "owner", "in": "query", "required": False,
     "description": "Only contacts owned by this user (a user id), by the caller (`me`), or by nobody (`none`).",
     "schema": {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "string", "enum": ["me", "none"]}]}},
    {"name": "source", "in": "query", "required": False,
     "description": "Only contacts with exactly this source (surrounding spaces trimmed; at most 100 characters).",
     "schema": {"type": "string", "maxLength": 100}},
    {"name": "createdFrom", "in": "query", "required": False, "description": "Created at or after this time (ISO 8601).",
     "schema": {"type": "string", "format": "date-time"}},
    {"name": "createdTo", "in": "query", "required": False, "description": "Created before this time (ISO 8601).",
     "schema": {"type": "string", "format": "date-time"}},
    {"name": "q", "in": "query", "required": False,
     "description": "Search: a case-insensitive substring of the name or email, or, for phone-like text (digits with "
                    "`+ - ( ) .` and spaces), of the phone number's digits. Empty means no filter.",
     "schema": {"type": "string", "maxLength": 100}},
    {"name": "deleted", "in": "query", "required": False,
     "description": "`true` lists soft-deleted contacts instead of live ones: owners and admins only (agents get 403). "
                    "Any other value is ignored.",
     "schema": {"type": "boolean", "default": False}},
]
P_SORT = {
    "name": "sort", "in": "query", "required": False,
    "description": "The order: `-createdAt` newest first (default), `createdAt` oldest first, `-updatedAt` recently changed "
                   "first, `name` / `-name` by name, `-score` / `score` by score. Ties are broken by id, so pages never "
                   "skip or repeat a contact. A cursor only works with the sort that issued it.",
    "schema": {"type": "string", "enum": ["-createdAt", "createdAt", "-updatedAt", "name", "-name", "-score", "score"],
               "default": "-createdAt"},
}
D422_FILTERS = ("`/query/stage`, `/query/temperature`, `/query/tag`, `/query/owner`, `/query/source`, "
                "`/query/createdFrom`, `/query/createdTo`, `/query/q` (over 100 characters) or `/query/sort`")
D422_PAGE = "Validation failed (`validation-failed`): `limit` or `cursor` is invalid (pointers `/query/limit`, `/query/cursor`)."

paths["/v1/contacts"] = {
    "get": op(
        "listContacts", "List contacts", "Contacts", TENANT_SEC,
        {
            "200": ok("One page of contacts in the requested order.", ref("ContactPage")),
            **problems(401, 403, 422, 500, 503, d401=D401_TENANT,
                       d403="Forbidden (`forbidden`): customers have no access to the CRM, and only owners and admins may "
                            "list deleted contacts (`deleted=true`).",
                       d422="Validation failed (`validation-failed`): a query parameter is invalid; pointers are "
                            "`/query/limit`, `/query/cursor` (not issued by this server, or for another sort), "
                            + D422_FILTERS + "."),
        },
        description="Owners, admins and agents. Filters combine with AND; cursor pagination. When the tenant's "
                    "`contacts.agentsSeeOnlyOwn` is on, agents see only the contacts they own.",
        parameters=[P_LIMIT, P_CURSOR, *CONTACT_FILTERS, P_SORT],
    ),
    "post": op(
        "createContact", "Create a contact", "Contacts", TENANT_SEC,
        {
            "201": ok("The contact was created.", ref("Contact"), headers={"Location": hdr("Location")}),
            **problems(*BODY_ERRORS, 401, 403, 409, 500, 503, d401=D401_TENANT, d403=D403_CRM, d400=D400_OBJECT,
                       d409=D409_PHONE,
                       d422="Validation failed (`validation-failed`): a field is missing, mistyped or invalid: `name` "
                            "(1 to 200 characters), `phone` (not a phone number for the tenant's default country code), "
                            "`email`, `source` (over 100 characters), `stage`, `temperature`, `score` (0 to 100), `tags` "
                            "(at most 50 of 1 to 50 characters each), `ownerId` (not an active owner, admin or agent of the "
                            "tenant), `customerUserId` (not a customer user of the tenant), or `customFields` (not an "
                            "object, or over 100 keys or 16 KiB)."),
        },
        description="Owners, admins and agents. The phone number is stored in E.164 (numbers written without a country "
                    "code take the tenant's `defaultCountryCode`) and must be unique among the tenant's live contacts. "
                    "Without `ownerId`, when the tenant's `contacts.autoAssign` is on, the contact goes to the next active "
                    "agent in turn. New tags join the tenant's tag catalogue. A `created` timeline entry is recorded and "
                    "the owner, if any, gets a `contact.assigned` event.",
        request_body=body("CreateContactRequest", "The new contact."),
    ),
}
paths["/v1/contacts/{id}"] = {
    "get": op(
        "getContact", "Get a contact", "Contacts", TENANT_SEC,
        {
            "200": ok("The contact.", ref("Contact")),
            **problems(401, 403, 404, 422, 500, 503, d401=D401_TENANT, d403=D403_CRM,
                       d404=D404_CONTACT + " With `deleted=true` (owners and admins): no soft-deleted contact has that id.",
                       d422=D422_QUERY_NUL),
        },
        description="Owners, admins and agents. Owners and admins may read a soft-deleted contact with `deleted=true`.",
        parameters=[P_ID_CONTACT,
                    {"name": "deleted", "in": "query", "required": False,
                     "description": "`true` reads a soft-deleted contact instead of a live one. Honoured for owners and "
                                    "admins only; for agents it is ignored (a deleted contact stays 404).",
                     "schema": {"type": "boolean", "default": False}}],
    ),
    "patch": op(
        "updateContact", "Change a contact", "Contacts", TENANT_SEC,
        {
            "200": ok("The changed contact.", ref("Contact")),
            **problems(*BODY_ERRORS, 401, 403, 404, 409, 500, 503, d401=D401_TENANT, d403=D403_CRM, d404=D404_CONTACT,
                       d400=D400_OBJECT, d409=D409_PHONE,
                       d422="Validation failed (`validation-failed`): a field is invalid or mistyped (same rules as "
                            "creation), `customFields` is null, or the body is `{}` (pointer `\"\"`)."),
        },
        description="Owners, admins and agents. Absent fields stay as they are; `null` clears `phone`, `email`, `source`, "
                    "`temperature`, `ownerId` and `customerUserId` (and leaves `name`, `stage`, `score` and `tags` as they "
                    "are). `tags` replaces the whole list. `customFields` is merged key by key: a key set to `null` is "
                    "removed. A stage or owner change is recorded on the timeline; a new owner gets a `contact.assigned` event.",
        parameters=[P_ID_CONTACT],
        request_body=body("UpdateContactRequest", "The fields to change; at least one."),
    ),
    "delete": op(
        "deleteContact", "Delete a contact (soft)", "Contacts", TENANT_SEC,
        {
            "204": ok("The contact is soft-deleted: it leaves lists and lookups, its phone number is free again, and owners "
                      "and admins can still read it (`deleted=true`) or restore it."),
            **problems(401, 403, 404, 500, 503, d401=D401_TENANT, d403=D403_CRM, d404=D404_CONTACT),
        },
        description="Owners, admins and agents. Records a `deleted` timeline entry.",
        parameters=[P_ID_CONTACT],
    ),
}
paths["/v1/contacts/{id}/restore"] = {"post": op(
    "restoreContact", "Restore a deleted contact", "Contacts", TENANT_SEC,
    {
        "200": ok("The contact, live again.", ref("Contact")),
        **problems(401, 403, 404, 409, 500, 503, d401=D401_TENANT, d403=D403_ADMIN,
                   d404="Not found (`not-found`): no soft-deleted contact of this tenant has that id (a live contact "
                        "answers 404 too).",
                   d409="Phone number already used (`duplicate-phone`): since the deletion another live contact took "
                        "this phone number; the contact stays deleted."),
    },
    description="Owners and admins. Records a `restored` timeline entry.",
    parameters=[{**P_ID_CONTACT, "description": "The soft-deleted contact's id. A value that is not a UUID answers 404."}],
)}
paths["/v1/contacts/{id}/notes"] = {
    "get": op(
        "listContactNotes", "A contact's notes", "Contacts", TENANT_SEC,
        {
            "200": ok("One page of the contact's notes, newest first.", ref("NotePage")),
            **problems(401, 403, 404, 422, 500, 503, d401=D401_TENANT, d403=D403_CRM, d404=D404_CONTACT, d422=D422_PAGE),
        },
        description="Owners, admins and agents who can see the contact. Newest first; cursor pagination.",
        parameters=[P_ID_CONTACT, P_LIMIT, P_CURSOR],
    ),
    "post": op(
        "addContactNote", "Add a note to a contact", "Contacts", TENANT_SEC,
        {
            "201": ok("The note was added.", ref("Note")),
            **problems(*BODY_ERRORS, 401, 403, 404, 500, 503, d401=D401_TENANT, d403=D403_CRM, d404=D404_CONTACT,
                       d422="Validation failed (`validation-failed`): `body` is missing, not a string, or not 1 to 10000 "
                            "characters after trimming (pointer `/body`)."),
        },
        description="Owners, admins and agents who can see the contact. The caller is the author; a `note` timeline "
                    "entry is recorded.",
        parameters=[P_ID_CONTACT],
        request_body=body("AddNoteRequest", "The note's text."),
    ),
}
paths["/v1/contacts/{id}/timeline"] = {"get": op(
    "getContactTimeline", "A contact's timeline", "Contacts", TENANT_SEC,
    {
        "200": ok("One page of the contact's timeline, newest first.", ref("TimelinePage")),
        **problems(401, 403, 404, 422, 500, 503, d401=D401_TENANT, d403=D403_CRM, d404=D404_CONTACT, d422=D422_PAGE),
    },
    description="Owners, admins and agents who can see the contact. Everything that happened to the contact (creation, "
                "import, notes, stage and owner changes, deletion and restoration, calls, ...), newest first; cursor "
                "pagination.",
    parameters=[P_ID_CONTACT, P_LIMIT, P_CURSOR],
)}
paths["/v1/contacts/bulk"] = {"post": op(
    "bulkUpdateContacts", "Change many contacts at once", "Contacts", TENANT_SEC,
    {
        "200": ok("The action was applied to every listed contact.", ref("BulkResult")),
        **problems(*BODY_ERRORS, 401, 403, 500, 503, d401=D401_TENANT, d403=D403_CRM,
                   d422="Validation failed: a field is invalid (`validation-failed`; pointers `/ids` (not 1 to 1000 ids), "
                        "`/ids/<n>` (not a UUID), `/action`, `/value` (missing where required, or not a valid stage, "
                        "temperature, tag or user id), or `/ownerId` when `assign` names a user who is not an active owner, "
                        "admin or agent of the tenant); or some ids name no live contact the caller can see "
                        "(`unknown-contacts`; `errors` lists up to 50 of them, each at `/ids`). Either way nothing changed."),
    },
    description="Owners, admins and agents. All or nothing: if any id names no live contact the caller can see (another "
                "tenant's, deleted, or, with `contacts.agentsSeeOnlyOwn`, not the agent's), nothing changes. Stage and "
                "owner changes are recorded on each contact's timeline (and `delete` records `deleted`); new owners get "
                "`contact.assigned`.",
    request_body=body("BulkContactsRequest", "The contacts and the action."),
)}
paths["/v1/contacts/export"] = {"get": op(
    "exportContacts", "Export contacts as CSV", "Contacts", TENANT_SEC,
    {
        "200": ok("The matching contacts as `text/csv; charset=utf-8` (a download named `contacts.csv`), oldest first, "
                  "streamed. Lines end with CRLF. The header row is `id,name,phone,email,source,stage,temperature,score,"
                  "tags,owner_id,created_at,updated_at,custom_fields`: ids in lower case, `tags` joined with `;`, times in "
                  "ISO 8601, `custom_fields` as a JSON object (empty when there are none), empty cells for missing values. "
                  "Fields holding a comma, quote or line break are quoted (RFC 4180); text a spreadsheet would run as a "
                  "formula (starting `=`, `+`, `-` or `@`, except a `+` phone number) gets a leading `'`.",
                  {"type": "string"}, media="text/csv",
                  headers={"Cache-Control": hdr("Cache-Control"),
                           "Content-Disposition": {"description": "`attachment; filename=\"contacts.csv\"`.",
                                                   "schema": {"type": "string"}}}),
        **problems(401, 403, 422, 500, 503, d401=D401_TENANT,
                   d403="Forbidden (`forbidden`): customers have no access to the CRM, and only owners and admins may "
                        "export deleted contacts (`deleted=true`).",
                   d422="Validation failed (`validation-failed`): a query parameter is invalid; pointers are "
                        + D422_FILTERS + "."),
    },
    description="Owners, admins and agents: every contact the list would show for the same filters (and visibility), "
                "not just one page. `sort` is checked but the file is always oldest first; `limit` and `cursor` are ignored.",
    parameters=[*CONTACT_FILTERS, P_SORT],
)}

# ---------------------------------------------------------------- contact imports
paths["/v1/contacts/imports"] = {"post": op(
    "startContactImport", "Import contacts from a CSV or Excel file", "Imports", TENANT_SEC,
    {
        "202": ok("The file was read and the import is queued (rows the parser already refused are counted in `failed` "
                  "and listed in `failures`). Poll `Location` or wait for the `import.completed` event.",
                  ref("ContactImport"), headers={"Location": hdr("Location")}),
        **problems(401, 403, 413, 415, 422, 500, 503, d401=D401_TENANT, d403=D403_CRM,
                   d413="Content too large (`content-too-large`): the file is over 32 MiB (33554432 bytes).",
                   d415="Unsupported file type (`unsupported-file-type`): the content type is not one of the accepted "
                        "ones, or (with `application/octet-stream` or none) neither the file name nor the bytes show a "
                        "CSV or an .xlsx workbook.",
                   d422="The file cannot be imported and nothing was stored: it is empty (`validation-failed`, pointer "
                        "`/body`), `fileName` is over 255 characters or `overwrite` is not `true` or `false` "
                        "(`validation-failed`, pointers `/query/fileName`, `/query/overwrite`), or the file cannot be read "
                        "(`unreadable-file`, the detail says why: not UTF-8 text, a damaged workbook, no header row, no "
                        "phone column, over 200 columns or 200000 rows, an unclosed quote, ...)."),
    },
    description="Owners, admins and agents. The body is the file itself (not multipart, not JSON): a CSV (UTF-8) or an "
                "Excel workbook (.xlsx), up to 32 MiB. Headers are matched loosely (`Phone`, `Mobile`, `Contact No`, "
                "`Full Name`, `First Name` + `Last Name`, `Email`, `Source`, `Stage`/`Status`, `Temperature`, `Score`, "
                "`Tags`, `Notes`, ...); a phone column is required, and other columns become custom fields. A row whose "
                "phone matches a live contact is merged into it: it fills empty fields and adds tags and custom fields; "
                "with `overwrite=true` it also replaces the fields it has (name, stage and score included). The file is "
                "read before anything is stored, so an unreadable one leaves nothing behind. The job then runs in the "
                "background; its creator gets `import.progress` and `import.completed` events.",
    parameters=[
        {"name": "fileName", "in": "query", "required": False,
         "description": "The file's name, kept on the job and used to tell the format when the content type does not "
                        "(`.csv` or `.xlsx`). At most 255 characters.",
         "schema": {"type": "string", "maxLength": 255}},
        {"name": "overwrite", "in": "query", "required": False,
         "description": "`true` lets rows replace the fields of existing contacts with the same phone number; `false` "
                        "(default) only fills empty ones.",
         "schema": {"type": "string", "enum": ["true", "false"], "default": "false"}},
    ],
    request_body={
        "description": "The file's bytes. The format comes from the content type (`text/csv`, `application/csv`, "
                       "`text/comma-separated-values` and `text/plain` are CSV); with `application/octet-stream` or no "
                       "content type, from `fileName`'s extension, then from the bytes (a zip archive is a workbook, UTF-8 "
                       "text is CSV).",
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string", "contentMediaType": "text/csv"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string",
                           "contentMediaType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}},
            "application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}},
        },
    },
)}
paths["/v1/contacts/imports/{id}"] = {"get": op(
    "getContactImport", "An import's progress", "Imports", TENANT_SEC,
    {
        "200": ok("The import job: its status, counts, progress and refused rows.", ref("ContactImport")),
        **problems(401, 403, 404, 500, 503, d401=D401_TENANT, d403=D403_CRM,
                   d404="Not found (`not-found`): no import of this tenant has that id, or the caller is an agent who did "
                        "not start it."),
    },
    description="The user who started the import, and owners and admins.",
    parameters=[{"name": "id", "in": "path", "required": True,
                 "description": "The import's id. A value that is not a UUID answers 404.",
                 "schema": {"type": "string", "format": "uuid"}}],
)}

# ---------------------------------------------------------------- tags
paths["/v1/tags"] = {
    "get": op(
        "listTags", "The tenant's tags", "Tags", TENANT_SEC,
        {
            "200": ok("Every tag of the tenant's catalogue, by name, with how many live contacts carry it.", ref("TagList")),
            **problems(401, 403, 500, 503, d401=D401_TENANT, d403=D403_CRM),
        },
        description="Owners, admins and agents. Tags given to contacts join the catalogue automatically.",
    ),
    "post": op(
        "saveTag", "Create a tag or change its colour", "Tags", TENANT_SEC,
        {
            "200": ok("The tag already existed; its colour was set if `color` was given.", ref("Tag")),
            "201": ok("The tag was created.", ref("Tag")),
            **problems(*BODY_ERRORS, 401, 403, 500, 503, d401=D401_TENANT, d403=D403_CRM,
                       d422="Validation failed (`validation-failed`): `name` is missing or not 1 to 50 characters without "
                            "commas, semicolons or line breaks (pointer `/name`), or `color` is not `#` and 6 hex digits "
                            "(pointer `/color`)."),
        },
        description="Owners, admins and agents. Names are trimmed and case-sensitive.",
        request_body=body("SaveTagRequest", "The tag and, optionally, its colour."),
    ),
}
paths["/v1/tags/{name}"] = {"delete": op(
    "deleteTag", "Delete a tag", "Tags", TENANT_SEC,
    {
        "204": ok("The tag is gone from the catalogue and from every contact that carried it."),
        **problems(401, 403, 404, 500, 503, d401=D401_TENANT, d403=D403_CRM,
                   d404="Not found (`not-found`): the tenant has no tag with exactly that name."),
    },
    description="Owners, admins and agents.",
    parameters=[{"name": "name", "in": "path", "required": True,
                 "description": "The tag's name, percent-encoded; matched exactly (case-sensitive).",
                 "schema": {"type": "string", "minLength": 1}}],
)}

# ---------------------------------------------------------------- tasks
paths["/v1/tasks"] = {"get": op(
    "listTasks", "Follow-up tasks", "Tasks", TENANT_SEC,
    {
        "200": ok("Up to `limit` tasks, soonest due first.", ref("TaskList")),
        **problems(401, 403, 422, 500, 503, d401=D401_TENANT, d403=D403_CRM,
                   d422="Validation failed (`validation-failed`): a query parameter is invalid; pointers are "
                        "`/query/status`, `/query/contact`, `/query/assignee`, `/query/limit`."),
    },
    description="Owners, admins and agents. Today the tasks are the callbacks missed customer calls leave (assigned to "
                "the contact's owner, or to nobody). Not paginated: the first `limit` by due time.",
    parameters=[
        {"name": "status", "in": "query", "required": False, "description": "Open (default) or done tasks.",
         "schema": {"type": "string", "enum": ["open", "done"], "default": "open"}},
        {"name": "contact", "in": "query", "required": False, "description": "Only this contact's tasks.",
         "schema": {"type": "string", "format": "uuid"}},
        {"name": "assignee", "in": "query", "required": False,
         "description": "Only tasks assigned to this user (an id) or to the caller (`me`).",
         "schema": {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "string", "const": "me"}]}},
        {"name": "limit", "in": "query", "required": False, "description": "How many: a whole number from 1 to 200.",
         "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
    ],
)}
paths["/v1/tasks/{id}/complete"] = {"post": op(
    "completeTask", "Mark a task done", "Tasks", TENANT_SEC,
    {
        "200": ok("The task, done. Completing a done task changes nothing (its first `completedAt` and `completedBy` stay).",
                  ref("Task")),
        **problems(401, 403, 404, 500, 503, d401=D401_TENANT, d403=D403_CRM,
                   d404="Not found (`not-found`): no task of this tenant has that id."),
    },
    description="Owners, admins and agents.",
    parameters=[{"name": "id", "in": "path", "required": True,
                 "description": "The task's id. A value that is not a UUID answers 404.",
                 "schema": {"type": "string", "format": "uuid"}}],
)}

# ---------------------------------------------------------------- dashboard
paths["/v1/dashboard"] = {"get": op(
    "getDashboard", "Pipeline, leads, calls, messages and revenue", "Dashboard", TENANT_SEC,
    {
        "200": ok("The figures. Agents get their own (`scope: own`: the contacts they own, the calls they made, took or "
                  "were rung for); owners and admins the tenant's (`scope: tenant`).", ref("Dashboard")),
        **problems(401, 403, 422, 500, 503, d401=D401_TENANT, d403=D403_CRM,
                   d422="Validation failed (`validation-failed`): `from` or `to` is not an ISO 8601 time (pointers "
                        "`/query/from`, `/query/to`), `from` is not before `to` (`/query/from`), or the range is over 366 "
                        "days (`/query/to`)."),
    },
    description="Owners, admins and agents. The pipeline breakdowns (`contacts`, `byStage`, `byTemperature`, `bySource`) "
                "count every live contact in scope now; `newLeads` and `calls` count those created in `[from, to)`.",
    parameters=[
        {"name": "from", "in": "query", "required": False,
         "description": "Start of the period (ISO 8601, inclusive). Default: 30 days ago (even when `to` is given).",
         "schema": {"type": "string", "format": "date-time"}},
        {"name": "to", "in": "query", "required": False,
         "description": "End of the period (ISO 8601, exclusive). Default: now. At most 366 days after `from`.",
         "schema": {"type": "string", "format": "date-time"}},
    ],
)}

# ---------------------------------------------------------------- conversations
H_IDEMPOTENCY_MESSAGE = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Makes a retry safe: the same key with the same body answers the message it made (201 with "
                   "`Idempotent-Replayed: true`); with a different body, 422 `idempotency-key-reused`. 1–200 visible ASCII characters.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}
P_ID_CONVERSATION = {
    "name": "id", "in": "path", "required": True,
    "description": "The conversation's id. A value that is not a UUID, another tenant's conversation, or one the caller may "
                   "not see (another customer's; for agents limited to their own contacts, another agent's) answers 404.",
    "schema": {"type": "string", "format": "uuid"},
}
D404_CONVERSATION = "Not found (`not-found`): no such conversation that the caller may see."
D403_CONVERSATION_STAFF = "Forbidden (`forbidden`): only owners, admins and agents may do this."

def conversation_change(op_id, summary, description):
    return {"post": op(
        op_id, summary, "Conversations", TENANT_SEC,
        {"200": ok("The conversation after the change.", ref("Conversation")),
         **problems(401, 403, 404, 500, 503, d401=D401_TENANT, d403=D403_CONVERSATION_STAFF, d404=D404_CONVERSATION)},
        description=description, parameters=[P_ID_CONVERSATION],
    )}

paths["/v1/conversations"] = {
    "get": op(
        "listConversations", "The inbox", "Conversations", TENANT_SEC,
        {
            "200": ok("One page of conversations, newest message first.", ref("ConversationPage")),
            **problems(401, 403, 422, 500, 503, d401=D401_TENANT,
                       d403="Forbidden (`forbidden`): customers cannot filter by `assignee` or `contact`.",
                       d422="Validation failed (`validation-failed`): a query parameter is invalid; pointers are `/query/channel`, "
                            "`/query/status`, `/query/assignee`, `/query/contact`, `/query/unread`, `/query/limit`, `/query/cursor`."),
        },
        description="Staff see the tenant's conversations (agents limited to their own contacts see those assigned to them "
                    "and unassigned ones); customers see only their own portal conversation. `unreadCount` is the caller's: "
                    "messages from the other side after their last read mark.",
        parameters=[
            P_LIMIT, P_CURSOR,
            {"name": "channel", "in": "query", "required": False, "schema": {"type": "string", "enum": ["portal", "whatsapp"]}},
            {"name": "status", "in": "query", "required": False, "schema": {"type": "string", "enum": ["open", "resolved"]}},
            {"name": "assignee", "in": "query", "required": False,
             "description": "Only conversations assigned to this user (an id), to the caller (`me`), or to nobody (`none`). Staff only.",
             "schema": {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "string", "enum": ["me", "none"]}]}},
            {"name": "contact", "in": "query", "required": False, "description": "Only this contact's conversations. Staff only.",
             "schema": {"type": "string", "format": "uuid"}},
            {"name": "unread", "in": "query", "required": False,
             "description": "`true`: only conversations with messages the caller has not read.",
             "schema": {"type": "string", "enum": ["true", "false"]}},
        ],
    ),
    "post": op(
        "startConversation", "Start (or open) the customer's portal chat", "Conversations", TENANT_SEC,
        {
            "201": ok("The new conversation.", ref("Conversation"), headers={"Location": hdr("Location")}),
            "200": ok("The customer's existing conversation (with the message added when `text` was given).", ref("Conversation"),
                      headers={"Location": hdr("Location")}),
            **problems(*BODY_ERRORS, 401, 403, 500, 503, d401=D401_TENANT,
                       d403="Forbidden (`forbidden`): only customers start portal chats; staff message contacts with "
                            "`POST /v1/contacts/{id}/whatsapp`.",
                       d422="Validation failed (`validation-failed`): `text` is blank or over 4096 characters, or the "
                            "Idempotency-Key is malformed or was used for a different message (`idempotency-key-reused`)."),
        },
        description="Customers only. Each customer has one portal conversation, filed under their CRM contact and assigned to "
                    "its owner; it is made on first use. With `text`, the message is posted (`chat.message` to the assignee, "
                    "or to every staff member while unassigned) and a resolved conversation reopens.",
        parameters=[H_IDEMPOTENCY_MESSAGE],
        request_body={"description": "An optional first message.", "required": True,
                      "content": {JSON: {"schema": ref("StartConversationRequest")}}},
    ),
}
paths["/v1/conversations/{id}"] = {
    "get": op(
        "getConversation", "One conversation", "Conversations", TENANT_SEC,
        {"200": ok("The conversation.", ref("Conversation")), **problems(401, 404, 500, 503, d401=D401_TENANT, d404=D404_CONVERSATION)},
        parameters=[P_ID_CONVERSATION],
    ),
    "patch": op(
        "assignConversation", "Assign or unassign a conversation", "Conversations", TENANT_SEC,
        {
            "200": ok("The conversation; `conversation.assigned` went to the new and the previous assignee.", ref("Conversation")),
            **problems(*BODY_ERRORS, 401, 403, 404, 500, 503, d401=D401_TENANT, d403=D403_CONVERSATION_STAFF,
                       d404=D404_CONVERSATION,
                       d422="Validation failed (`validation-failed`): `assigneeId` is missing, not an active owner, admin or "
                            "agent of the tenant (`/assigneeId`), or another field was given."),
        },
        description="Owners, admins and agents.",
        parameters=[P_ID_CONVERSATION],
        request_body=body("UpdateConversationRequest", "The new assignee."),
    ),
}
paths["/v1/conversations/{id}/resolve"] = conversation_change(
    "resolveConversation", "Resolve a conversation",
    "Owners, admins and agents. Emits `conversation.resolved` (to the customer too, on portal chat). Resolving a resolved "
    "conversation changes nothing. A new message reopens it.")
paths["/v1/conversations/{id}/reopen"] = conversation_change(
    "reopenConversation", "Reopen a conversation", "Owners, admins and agents. Emits `conversation.reopened`.")
paths["/v1/conversations/{id}/read"] = {"post": op(
    "markConversationRead", "Mark a conversation read", "Conversations", TENANT_SEC,
    {"200": ok("The conversation, with the caller's `unreadCount` now 0.", ref("Conversation")),
     **problems(401, 404, 500, 503, d401=D401_TENANT, d404=D404_CONVERSATION)},
    description="Marks every message so far read by the caller and emits `chat.read` (the other side's read receipt).",
    parameters=[P_ID_CONVERSATION],
)}
paths["/v1/conversations/{id}/messages"] = {
    "get": op(
        "listMessages", "A conversation's messages", "Conversations", TENANT_SEC,
        {"200": ok("One page of messages, newest first by their time (an inbound WhatsApp message's is WhatsApp's), then by the order they were stored.", ref("MessagePage")),
         **problems(401, 404, 422, 500, 503, d401=D401_TENANT, d404=D404_CONVERSATION,
                    d422="Validation failed (`validation-failed`): `/query/limit` or `/query/cursor` is invalid.")},
        parameters=[P_ID_CONVERSATION, P_LIMIT, P_CURSOR],
    ),
    "post": op(
        "postMessage", "Send a message", "Conversations", TENANT_SEC,
        {
            "201": ok("The message. Portal chat: `sent`, delivered as `chat.message` events. WhatsApp: `queued`; the sender "
                      "moves it to `sent` (with `providerMessageId`) or `failed`, announced as `chat.message.status`.",
                      ref("Message"), headers={"Location": hdr("Location")}),
            **problems(*BODY_ERRORS, 401, 404, 500, 503, d401=D401_TENANT, d404=D404_CONVERSATION,
                       d422="Unprocessable: `validation-failed` (give exactly one of `text` (1–4096 characters, not blank) "
                            "and `template`; templates only on WhatsApp), `whatsapp-template-required` (free text outside "
                            "the 24-hour customer-service window), `whatsapp-not-configured`, `contact-has-no-phone`, or "
                            "`idempotency-key-reused`."),
        },
        description="Customers write in their portal chat; staff reply there, or send on WhatsApp: free `text` while the "
                    "customer's last message is under 24 hours old (and WhatsApp has not refused one with 131047 since), an "
                    "approved `template` at any time. WhatsApp messages go through a durable queue with retries on 429 and "
                    "5xx; nothing is sent twice.",
        parameters=[P_ID_CONVERSATION, H_IDEMPOTENCY_MESSAGE],
        request_body=body("PostMessageRequest", "Text, or a WhatsApp template."),
    ),
}
paths["/v1/contacts/{id}/whatsapp"] = {"post": op(
    "startWhatsAppConversation", "Message a contact on WhatsApp with a template", "Conversations", TENANT_SEC,
    {
        "201": ok("The contact's WhatsApp conversation (made on first use, assigned to the contact's owner) and the queued "
                  "template message.", ref("StartedWhatsApp"), headers={"Location": hdr("Location")}),
        **problems(*BODY_ERRORS, 401, 403, 404, 500, 503, d401=D401_TENANT, d403=D403_CRM,
                   d404="Not found (`not-found`): no such contact that the caller may see.",
                   d422="Unprocessable: `validation-failed` (the template's `name`, `language` or `parameters`), "
                        "`contact-has-no-phone`, `whatsapp-not-configured`, or `idempotency-key-reused`."),
    },
    description="Owners, admins and agents. A template is the only way to open a conversation outside the 24-hour window.",
    parameters=[P_ID_CONTACT, H_IDEMPOTENCY_MESSAGE],
    request_body=body("StartWhatsAppRequest", "The approved template to send."),
)}

# ---------------------------------------------------------------- webhooks
P_WEBHOOK_KEY = {
    "name": "webhookKey", "in": "path", "required": True,
    "description": "The tenant's unguessable webhook key (`integrations.whatsapp.webhookPath` in the settings).",
    "schema": {"type": "string"},
}
paths["/v1/webhooks/whatsapp/{webhookKey}"] = {
    "get": op(
        "verifyWhatsAppWebhook", "WhatsApp webhook verification handshake", "Webhooks", PUBLIC_SEC,
        {
            "200": ok("`hub.mode` is `subscribe` and `hub.verify_token` matches the tenant's verify token: the body is "
                      "`hub.challenge`, as plain text.", {"type": "string"}, media="text/plain"),
            **problems(403, 422, 500, 503,
                       d403="Forbidden (`forbidden`): the mode or token does not match, or no such webhook.",
                       d422=D422_QUERY_NUL),
        },
        parameters=[
            P_WEBHOOK_KEY,
            {"name": "hub.mode", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "hub.verify_token", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "hub.challenge", "in": "query", "required": False, "schema": {"type": "string"}},
        ],
    ),
    "post": op(
        "receiveWhatsAppWebhook", "WhatsApp Cloud API notifications", "Webhooks", PUBLIC_SEC,
        {
            "200": ok("Verified and stored (or the same bytes were stored before); processed right after: messages are "
                      "inserted once by wamid, statuses only move forward."),
            **problems(401, 404, 413, 500, 503,
                       d401="Invalid signature (`invalid-signature`): `X-Hub-Signature-256` is missing or is not the "
                            "HMAC-SHA256 of the raw body with the tenant's app secret; nothing was stored.",
                       d404="Not found (`not-found`): no such webhook.",
                       d413="Content too large (`content-too-large`): over 1 MiB."),
        },
        description="The raw body is verified before it is parsed, with a constant-time comparison.",
        parameters=[
            P_WEBHOOK_KEY,
            {"name": "X-Hub-Signature-256", "in": "header", "required": False,
             "description": "`sha256=` and the lower-case hex HMAC-SHA256 of the raw body with the app secret.",
             "schema": {"type": "string"}},
        ],
        request_body={"description": "Meta's notification JSON, exactly as sent.", "required": True,
                      "content": {JSON: {"schema": {"type": "object"}}}},
    ),
}

# ---------------------------------------------------------------- payments
H_IDEMPOTENCY_REQUIRED = {
    "name": "Idempotency-Key", "in": "header", "required": True,
    "description": "Required: a retry with the same key and body answers the payment the first request made (201 with "
                   "`Idempotent-Replayed: true`), so a lost answer never charges twice; with a different body, 422 "
                   "`idempotency-key-reused`. 1–200 visible ASCII characters.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}
H_IDEMPOTENCY_REFUND = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Makes a retry safe: the same key and body answer the refund the first request recorded (and re-ask "
                   "Razorpay with the same `X-Refund-Idempotency` if its answer was lost). 1–200 visible ASCII characters.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}
P_ID_PAYMENT = {
    "name": "id", "in": "path", "required": True,
    "description": "The payment's id. A value that is not a UUID, another tenant's payment, or one the caller may not see "
                   "(customers: one they did not start; agents limited to their own contacts: another's contact) answers 404.",
    "schema": {"type": "string", "format": "uuid"},
}
P_ID_PRODUCT = {
    "name": "id", "in": "path", "required": True,
    "description": "The product's id. A value that is not a UUID or another tenant's product answers 404 (for customers, so does an inactive one).",
    "schema": {"type": "string", "format": "uuid"},
}
D422_RAZORPAY = ("`razorpay-not-configured`: the tenant has no `integrations.razorpay.keyId` and `keySecret`.")
D502_RAZORPAY = ("Razorpay refused or failed the request (`payment-provider-error`; the detail quotes its code and "
                 "description, and says when a retry with the same Idempotency-Key is safe). Nothing was created.")
CHARGE_422 = ("Unprocessable: `validation-failed` (`/amount` from 100 to 10000000000 minor units, or a `productId`; "
              "`/currency` an ISO 4217 code; `/contactId` required for staff; a product's price and currency must match "
              "when also given; the Idempotency-Key header missing or malformed), `idempotency-key-reused`, or " + D422_RAZORPAY)

paths["/v1/payments"] = {"get": op(
    "listPayments", "Payments", "Payments", TENANT_SEC,
    {
        "200": ok("One page of payments, newest first.", ref("PaymentPage")),
        **problems(401, 422, 500, 503, d401=D401_TENANT,
                   d422="Validation failed (`validation-failed`): pointers `/query/status`, `/query/contact`, `/query/from`, "
                        "`/query/to`, `/query/limit`, `/query/cursor`."),
    },
    description="Staff see the tenant's payments (agents limited to their own contacts, those contacts'); customers the "
                "payments they started.",
    parameters=[
        P_LIMIT, P_CURSOR,
        {"name": "status", "in": "query", "required": False, "schema": ref("PaymentStatus")},
        {"name": "contact", "in": "query", "required": False, "schema": {"type": "string", "format": "uuid"}},
        {"name": "from", "in": "query", "required": False, "description": "Created at or after (ISO 8601).",
         "schema": {"type": "string", "format": "date-time"}},
        {"name": "to", "in": "query", "required": False, "description": "Created before (ISO 8601).",
         "schema": {"type": "string", "format": "date-time"}},
    ],
)}
paths["/v1/payments/orders"] = {"post": op(
    "createPaymentOrder", "Create a Razorpay order for Checkout", "Payments", TENANT_SEC,
    {
        "201": ok("The payment (`created`) and Razorpay Checkout's options.", ref("CheckoutOrder"),
                  headers={"Location": hdr("Location")}),
        **problems(*BODY_ERRORS, 401, 403, 404, 500, 502, 503, d401=D401_TENANT,
                   d403="Forbidden (`forbidden`): customers pay for themselves (no `contactId`).",
                   d404="Not found (`not-found`): no such contact or active product.",
                   d422=CHARGE_422, d502=D502_RAZORPAY),
    },
    description="Staff charge a contact an amount or a product's price; customers pay for a product themselves. The order "
                "is made through Razorpay's API with the tenant's key; the payment is stored only once Razorpay has made it. "
                "Money is integer minor units (paise for INR) with an ISO currency.",
    parameters=[H_IDEMPOTENCY_REQUIRED],
    request_body=body("ChargeRequest", "Whom to charge what."),
)}
paths["/v1/payments/verify"] = {"post": op(
    "verifyPayment", "Verify a Checkout payment", "Payments", TENANT_SEC,
    {
        "200": ok("The payment, `authorized` (pending the webhook's confirmation) unless a webhook has already moved it on.",
                  ref("Payment")),
        **problems(*BODY_ERRORS, 401, 404, 500, 503, d401=D401_TENANT,
                   d404="Not found (`not-found`): no payment of the caller's with that order.",
                   d422="Unprocessable: `validation-failed`, `invalid-payment-signature` (nothing changed), or " + D422_RAZORPAY),
    },
    description="`razorpay_signature` must be the hex HMAC-SHA256 of `razorpay_order_id|razorpay_payment_id` with the key "
                "secret (compared in constant time).",
    request_body=body("VerifyPaymentRequest", "What Checkout handed the client."),
)}
paths["/v1/payments/links"] = {"post": op(
    "createPaymentLink", "Create a payment link", "Payments", TENANT_SEC,
    {
        "201": ok("The payment (`kind: link`, with `shortUrl`) and, when asked, whether WhatsApp carried it.", ref("PaymentLink"),
                  headers={"Location": hdr("Location")}),
        **problems(*BODY_ERRORS, 401, 403, 404, 500, 502, 503, d401=D401_TENANT, d403=D403_CRM,
                   d404="Not found (`not-found`): no such contact or active product.", d422=CHARGE_422, d502=D502_RAZORPAY),
    },
    description="Owners, admins and agents. With `whatsapp`, the link is queued in the contact's WhatsApp conversation: as "
                "text inside the 24-hour window, or as the given template (parameters: the amount and the link). The link "
                "exists either way; `whatsapp.problem` says why it was not sent.",
    parameters=[H_IDEMPOTENCY_REQUIRED],
    request_body=body("ChargeRequest", "Whom to charge what."),
)}
paths["/v1/payments/{id}"] = {"get": op(
    "getPayment", "One payment, with its refunds", "Payments", TENANT_SEC,
    {"200": ok("The payment and `refunds`.", ref("Payment")),
     **problems(401, 404, 500, 503, d401=D401_TENANT, d404="Not found (`not-found`): no such payment the caller may see.")},
    parameters=[P_ID_PAYMENT],
)}
paths["/v1/payments/{id}/refunds"] = {"post": op(
    "refundPayment", "Refund a captured payment", "Payments", TENANT_SEC,
    {
        "201": ok("The refund and the payment after it.", ref("RefundResult")),
        **problems(*BODY_ERRORS, 401, 403, 404, 409, 500, 502, 503, d401=D401_TENANT, d403=D403_ADMIN,
                   d404="Not found (`not-found`): no such payment.",
                   d409="Not refundable (`not-refundable`): the payment is not captured.",
                   d422="Unprocessable: `refund-too-large` (more than captured, less what is refunded or being refunded), "
                        "`validation-failed` (`/amount` under 100), `idempotency-key-reused`, or " + D422_RAZORPAY,
                   d502=D502_RAZORPAY),
    },
    description="Owners and admins. Full (no `amount`) or partial; concurrent refunds can never add up to more than was "
                "captured. Razorpay gets an `X-Refund-Idempotency` key per refund.",
    parameters=[P_ID_PAYMENT, H_IDEMPOTENCY_REFUND],
    request_body=body("RefundRequest", "How much to refund."),
)}
paths["/v1/products"] = {
    "get": op(
        "listProducts", "Products", "Payments", TENANT_SEC,
        {"200": ok("One page of products, newest first (customers: active ones only).", ref("ProductPage")),
         **problems(401, 422, 500, 503, d401=D401_TENANT,
                    d422="Validation failed (`validation-failed`): `/query/limit` or `/query/cursor`.")},
        parameters=[P_LIMIT, P_CURSOR],
    ),
    "post": op(
        "createProduct", "Add a product", "Payments", TENANT_SEC,
        {"201": ok("The product.", ref("Product"), headers={"Location": hdr("Location")}),
         **problems(*BODY_ERRORS, 401, 403, 500, 503, d401=D401_TENANT, d403=D403_ADMIN)},
        description="Owners and admins.",
        request_body=body("CreateProductRequest", "The product."),
    ),
}
paths["/v1/products/{id}"] = {
    "get": op(
        "getProduct", "One product", "Payments", TENANT_SEC,
        {"200": ok("The product.", ref("Product")),
         **problems(401, 404, 500, 503, d401=D401_TENANT, d404="Not found (`not-found`): no such product.")},
        parameters=[P_ID_PRODUCT],
    ),
    "patch": op(
        "updateProduct", "Change a product", "Payments", TENANT_SEC,
        {"200": ok("The product.", ref("Product")),
         **problems(*BODY_ERRORS, 401, 403, 404, 500, 503, d401=D401_TENANT, d403=D403_ADMIN,
                    d404="Not found (`not-found`): no such product.")},
        description="Owners and admins. Absent fields stay; existing payments keep the price they were made with.",
        parameters=[P_ID_PRODUCT],
        request_body=body("UpdateProductRequest", "The changes."),
    ),
}
paths["/v1/webhooks/razorpay/{webhookKey}"] = {"post": op(
    "receiveRazorpayWebhook", "Razorpay webhook events", "Webhooks", PUBLIC_SEC,
    {
        "200": ok("Verified and stored (or this `X-Razorpay-Event-Id` was stored before); applied right after, forward only "
                  "and in any order."),
        **problems(401, 404, 413, 500, 503,
                   d401="Invalid signature (`invalid-signature`): `X-Razorpay-Signature` is missing or is not the HMAC-SHA256 "
                        "of the raw body with the tenant's webhook secret; nothing was stored.",
                   d404="Not found (`not-found`): no such webhook.",
                   d413="Content too large (`content-too-large`): over 1 MiB."),
    },
    parameters=[
        {"name": "webhookKey", "in": "path", "required": True,
         "description": "The tenant's unguessable key (`integrations.razorpay.webhookPath` in the settings).",
         "schema": {"type": "string"}},
        {"name": "X-Razorpay-Signature", "in": "header", "required": False, "schema": {"type": "string"}},
        {"name": "X-Razorpay-Event-Id", "in": "header", "required": False,
         "description": "De-duplicates redeliveries (without it, the body's SHA-256 does).", "schema": {"type": "string"}},
    ],
    request_body={"description": "Razorpay's event JSON, exactly as sent.", "required": True,
                  "content": {JSON: {"schema": {"type": "object"}}}},
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
    "PaymentStatus": {"type": "string", "enum": ["created", "authorized", "captured", "failed", "partially_refunded", "refunded"]},
    "Refund": obj({
        "id": uuid,
        "paymentId": uuid,
        "amount": {"type": "integer", "minimum": 1},
        "status": {"type": "string", "enum": ["requested", "pending", "processed", "failed"]},
        "razorpayRefundId": {"type": ["string", "null"]},
        "error": {"type": ["string", "null"]},
        "createdAt": dt,
    }, required=["id", "paymentId", "amount", "status", "razorpayRefundId", "error", "createdAt"]),
    "Payment": obj({
        "id": uuid,
        "kind": {"type": "string", "enum": ["order", "link"]},
        "status": ref("PaymentStatus"),
        "contactId": uuid,
        "productId": {**uuid, "type": ["string", "null"]},
        "description": {"type": ["string", "null"]},
        "amount": {"type": "integer", "minimum": 100, "description": "Minor units (paise for INR)."},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "capturedAmount": {"type": "integer", "minimum": 0},
        "refundedAmount": {"type": "integer", "minimum": 0},
        "shortUrl": {"type": ["string", "null"], "description": "Payment links: the link to send."},
        "method": {"type": ["string", "null"], "description": "How it was paid (`upi`, `card`, ...), once known."},
        "error": {"type": ["object", "null"], "properties": {"code": {"type": ["string", "null"]},
                                                          "description": {"type": ["string", "null"]}},
                  "required": ["code", "description"], "description": "Why the last attempt failed."},
        "mismatch": {"type": ["string", "null"],
                     "description": "Set when Razorpay reported an amount or currency other than the payment's: flagged, not accepted silently."},
        "razorpay": obj({"orderId": {"type": ["string", "null"]}, "paymentId": {"type": ["string", "null"]},
                         "paymentLinkId": {"type": ["string", "null"]}}, required=["orderId", "paymentId", "paymentLinkId"]),
        "createdBy": {**uuid, "type": ["string", "null"]},
        "createdAt": dt,
        "updatedAt": dt,
        "authorizedAt": {**dt, "type": ["string", "null"]},
        "capturedAt": {**dt, "type": ["string", "null"]},
        "failedAt": {**dt, "type": ["string", "null"]},
        "refunds": {"type": "array", "items": ref("Refund"), "description": "`GET /v1/payments/{id}` and refund answers only."},
    }, required=["id", "kind", "status", "contactId", "productId", "description", "amount", "currency", "capturedAmount",
                 "refundedAmount", "shortUrl", "method", "error", "mismatch", "razorpay", "createdBy", "createdAt", "updatedAt",
                 "authorizedAt", "capturedAt", "failedAt"]),
    "PaymentPage": obj({
        "items": {"type": "array", "items": ref("Payment")},
        "nextCursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last page."},
    }, required=["items", "nextCursor"]),
    "ChargeRequest": obj({
        "contactId": {**uuid, "description": "Staff: required. Customers: leave it out (they pay for themselves)."},
        "productId": {**uuid, "description": "Charge this active product's price (customers must give one)."},
        "amount": {"type": "integer", "minimum": 100, "maximum": 10000000000, "description": "Minor units; required without a product."},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "Default `INR` (or the product's)."},
        "description": {"type": "string", "minLength": 1, "maxLength": 255},
        "whatsapp": obj({"template": obj({"name": {"type": "string", "pattern": "^[a-z0-9_]+$", "maxLength": 512},
                                          "language": {"type": "string", "minLength": 1, "maxLength": 15}},
                                         required=["name", "language"])},
                        description="Links only: send the link on WhatsApp (free text inside the 24-hour window, else this template)."),
    }),
    "CheckoutOrder": obj({
        "payment": ref("Payment"),
        "checkout": obj({
            "key": {"type": "string", "description": "The tenant's Razorpay key id."},
            "order_id": {"type": "string"},
            "amount": {"type": "integer"},
            "currency": {"type": "string"},
            "description": {"type": ["string", "null"]},
            "prefill": obj({"name": {"type": "string"}, "contact": {"type": "string"}}, required=["name"]),
        }, required=["key", "order_id", "amount", "currency", "prefill"], description="Options for Razorpay Checkout."),
    }, required=["payment", "checkout"]),
    "PaymentLink": obj({
        "payment": ref("Payment"),
        "whatsapp": obj({"sent": {"type": "boolean"}, "message": ref("Message"), "problem": {"type": "string"}},
                        required=["sent"], description="Present when `whatsapp` was asked for."),
    }, required=["payment"]),
    "VerifyPaymentRequest": obj({
        "razorpay_order_id": {"type": "string", "minLength": 1, "maxLength": 200},
        "razorpay_payment_id": {"type": "string", "minLength": 1, "maxLength": 200},
        "razorpay_signature": {"type": "string", "minLength": 1, "maxLength": 200},
    }, required=["razorpay_order_id", "razorpay_payment_id", "razorpay_signature"]),
    "RefundRequest": obj({
        "amount": {"type": ["integer", "null"], "minimum": 100, "description": "Minor units; absent or null: everything still refundable."},
    }),
    "RefundResult": obj({"refund": ref("Refund"), "payment": ref("Payment")}, required=["refund", "payment"]),
    "Product": obj({
        "id": uuid,
        "name": {"type": "string"},
        "price": {"type": "integer", "minimum": 100, "description": "Minor units."},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "active": {"type": "boolean"},
        "createdAt": dt,
        "updatedAt": dt,
    }, required=["id", "name", "price", "currency", "active", "createdAt", "updatedAt"]),
    "ProductPage": obj({
        "items": {"type": "array", "items": ref("Product")},
        "nextCursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last page."},
    }, required=["items", "nextCursor"]),
    "CreateProductRequest": obj({
        "name": {"type": "string", "description": "1 to 200 characters after trimming."},
        "price": {"type": "integer", "minimum": 100, "maximum": 10000000000},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "Default `INR`."},
        "active": {"type": "boolean", "description": "Default true."},
    }, required=["name", "price"]),
    "UpdateProductRequest": obj({
        "name": {"type": "string"},
        "price": {"type": "integer", "minimum": 100, "maximum": 10000000000},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "active": {"type": "boolean"},
    }, description="At least one field."),

    "Conversation": obj({
        "id": uuid,
        "channel": {"type": "string", "enum": ["portal", "whatsapp"]},
        "status": {"type": "string", "enum": ["open", "resolved"]},
        "contact": {"type": ["object", "null"], "description": "The CRM contact (staff only; null for customers).",
                    "properties": {"id": uuid, "name": {"type": "string"}, "phone": {"type": "string"}},
                    "required": ["id", "name"]},
        "customer": {"type": ["object", "null"], "description": "The portal customer (portal chats only).",
                     "properties": {"id": uuid, "name": {"type": "string"}, "phone": {"type": "string"}},
                     "required": ["id", "name"]},
        "assigneeId": {**uuid, "type": ["string", "null"]},
        "lastMessageAt": {**dt, "description": "The newest message's time (the creation time until there is one)."},
        "lastMessagePreview": {"type": ["string", "null"], "description": "The newest message's first 200 characters."},
        "unreadCount": {"type": "integer", "minimum": 0, "description": "Messages from the other side the caller has not read."},
        "window": {"type": ["object", "null"], "description": "WhatsApp's 24-hour customer-service window (WhatsApp only).",
                   "properties": {"open": {"type": "boolean"}, "expiresAt": {**dt, "type": ["string", "null"]}},
                   "required": ["open", "expiresAt"]},
        "createdAt": dt,
        "updatedAt": dt,
        "resolvedAt": {**dt, "type": ["string", "null"]},
    }, required=["id", "channel", "status", "contact", "customer", "assigneeId", "lastMessageAt", "lastMessagePreview",
                 "unreadCount", "window", "createdAt", "updatedAt", "resolvedAt"],
        description="One thread with one customer. Optional values are explicit nulls."),
    "ConversationPage": obj({
        "items": {"type": "array", "items": ref("Conversation")},
        "nextCursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last page."},
    }, required=["items", "nextCursor"]),
    "MessageTemplate": obj({
        "name": {"type": "string", "minLength": 1, "maxLength": 512, "pattern": "^[a-z0-9_]+$"},
        "language": {"type": "string", "minLength": 1, "maxLength": 15, "examples": ["en_US"]},
        "parameters": {"type": "array", "maxItems": 20, "items": {"type": "string", "minLength": 1, "maxLength": 1024},
                       "description": "The body's text parameters, in order."},
    }, required=["name", "language"]),
    "Message": obj({
        "id": uuid,
        "conversationId": uuid,
        "direction": {"type": "string", "enum": ["inbound", "outbound"]},
        "authorId": {**uuid, "type": ["string", "null"], "description": "The staff member or customer; null for a WhatsApp contact."},
        "type": {"type": "string", "description": "`text`, `template`, or what WhatsApp sent (`image`, `button`, ...)."},
        "body": {"type": "string"},
        "template": {**ref("MessageTemplate"), "description": "Template messages only."},
        "status": {"type": "string", "enum": ["queued", "sent", "delivered", "read", "failed"]},
        "error": {"type": ["object", "null"], "description": "Why it failed (failed messages only).",
                  "properties": {"code": {"type": ["integer", "null"]}, "title": {"type": "string"}}, "required": ["code", "title"]},
        "providerMessageId": {"type": "string", "description": "WhatsApp's message id (wamid); omitted until known."},
        "createdAt": dt,
        "sentAt": {**dt, "type": ["string", "null"]},
        "deliveredAt": {**dt, "type": ["string", "null"]},
        "readAt": {**dt, "type": ["string", "null"]},
    }, required=["id", "conversationId", "direction", "authorId", "type", "body", "status", "error", "createdAt", "sentAt",
                 "deliveredAt", "readAt"]),
    "MessagePage": obj({
        "items": {"type": "array", "items": ref("Message")},
        "nextCursor": {"type": ["string", "null"], "description": "Pass as `cursor` for older messages; null on the last page."},
    }, required=["items", "nextCursor"]),
    "StartConversationRequest": obj({
        "text": nullable({"type": "string", "minLength": 1, "maxLength": 4096, "description": "An optional first message."}),
    }),
    "PostMessageRequest": obj({
        "text": {"type": "string", "minLength": 1, "maxLength": 4096, "description": "Not blank."},
        "template": ref("MessageTemplate"),
    }, description="Exactly one of `text` and `template` (templates only on WhatsApp)."),
    "StartWhatsAppRequest": obj({"template": ref("MessageTemplate")}, required=["template"]),
    "UpdateConversationRequest": obj({
        "assigneeId": {**uuid, "type": ["string", "null"], "description": "An active owner, admin or agent; null unassigns."},
    }, required=["assigneeId"], additional=False),
    "StartedWhatsApp": obj({"conversation": ref("Conversation"), "message": ref("Message")}, required=["conversation", "message"]),
    "ContactStage": {"type": "string", "enum": ["new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"],
                     "description": "Where a lead is in the sales funnel."},
    "ContactTemperature": {"type": "string", "enum": ["hot", "warm", "cold", "dead"],
                           "description": "How likely a lead is to buy, as the agent judges it."},
    "Contact": obj({
        "id": uuid,
        "name": {"type": "string"},
        "phone": {"type": ["string", "null"], "pattern": "^\\+[1-9][0-9]{6,14}$",
                  "description": "E.164, e.g. `+919876543210`; unique among the tenant's live contacts.",
                  "examples": ["+919876543210"]},
        "email": {"type": ["string", "null"], "description": "Lower-cased."},
        "source": {"type": ["string", "null"], "description": "Where the lead came from, e.g. `website`."},
        "stage": ref("ContactStage"),
        "temperature": {"type": ["string", "null"], "enum": ["hot", "warm", "cold", "dead", None]},
        "score": {"type": "integer", "minimum": 0, "maximum": 100},
        "tags": {"type": "array", "items": {"type": "string"}, "description": "In the order given, without duplicates."},
        "ownerId": {**uuid, "type": ["string", "null"], "description": "The staff member who owns the contact; null when unassigned."},
        "customFields": {"type": "object", "additionalProperties": True,
                         "description": "Free-form JSON members (imports store unknown columns here as strings)."},
        "customerUserId": {**uuid, "type": ["string", "null"], "description": "The portal customer user this contact is."},
        "createdBy": {**uuid, "type": ["string", "null"], "description": "The user who created it; null for contacts the system made."},
        "createdAt": dt,
        "updatedAt": dt,
        "deletedAt": {**dt, "description": "When it was soft-deleted; present only on deleted contacts."},
    }, required=["id", "name", "phone", "email", "source", "stage", "temperature", "score", "tags", "ownerId",
                 "customFields", "customerUserId", "createdBy", "createdAt", "updatedAt"],
        description="A CRM contact (lead or customer). Optional values are explicit nulls, except `deletedAt`."),
    "ContactPage": obj({
        "items": {"type": "array", "items": ref("Contact")},
        "nextCursor": {"type": ["string", "null"], "description": "Pass as `cursor` (with the same `sort`) for the next page; null on the last page."},
    }, required=["items", "nextCursor"]),
    "CreateContactRequest": obj({
        "name": {"type": "string", "description": "1 to 200 characters after trimming."},
        "phone": nullable({"type": "string", "maxLength": 40,
                           "description": "As people type it (spaces, dashes, dots, brackets, a trunk 0, a `+` or `00` "
                                          "country code); stored in E.164, with the tenant's `defaultCountryCode` for numbers "
                                          "written without one. At most 40 characters. Null or absent means none."}),
        "email": nullable({"type": "string", "description": "An email address, 3 to 254 characters; stored lower-cased."}),
        "source": nullable({"type": "string", "maxLength": 100, "description": "At most 100 characters after trimming; empty means none."}),
        "stage": nullable({"type": "string", "enum": ["new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"], "description": "Default `new`."}),
        "temperature": nullable({"type": "string", "enum": ["hot", "warm", "cold", "dead"]}),
        "score": nullable({"type": "integer", "minimum": 0, "maximum": 100, "description": "Default 0."}),
        "tags": nullable({"type": "array", "maxItems": 50,
                          "items": {"type": "string", "maxLength": 50,
                                    "description": "1 to 50 characters after trimming, without commas, semicolons or line breaks."},
                          "description": "Duplicates are dropped; new tags join the tenant's catalogue."}),
        "ownerId": nullable({**uuid, "description": "An active owner, admin or agent of the tenant. Absent or null: nobody, "
                                                    "or the next agent in turn when the tenant's `contacts.autoAssign` is on."}),
        "customerUserId": nullable({**uuid, "description": "A customer user of the tenant this contact is."}),
        "customFields": {"type": "object", "additionalProperties": True,
                         "description": "Free-form JSON members: at most 100 keys and 16 KiB serialised. Not null."},
    }, required=["name"]),
    "UpdateContactRequest": obj({
        "name": nullable({"type": "string", "description": "1 to 200 characters after trimming; null leaves it."}),
        "phone": nullable({"type": "string", "maxLength": 40, "description": "As for creation; `null` clears it."}),
        "email": nullable({"type": "string", "description": "An email address; `null` clears it."}),
        "source": nullable({"type": "string", "maxLength": 100, "description": "`null` or an empty string clears it."}),
        "stage": nullable({"type": "string", "enum": ["new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"], "description": "Null leaves it."}),
        "temperature": nullable({"type": "string", "enum": ["hot", "warm", "cold", "dead"], "description": "`null` clears it."}),
        "score": nullable({"type": "integer", "minimum": 0, "maximum": 100, "description": "Null leaves it."}),
        "tags": nullable({"type": "array", "maxItems": 50, "items": {"type": "string", "maxLength": 50},
                          "description": "Replaces the whole list (same rules as creation); null leaves it."}),
        "ownerId": nullable({**uuid, "description": "An active owner, admin or agent of the tenant; `null` unassigns."}),
        "customerUserId": nullable({**uuid, "description": "A customer user of the tenant; `null` unlinks."}),
        "customFields": {"type": "object", "additionalProperties": True,
                         "description": "Merged into the stored object key by key; a key set to `null` is removed. At most "
                                        "100 keys and 16 KiB. Not null."},
    }, description="Absent fields stay as they are; the body must not be `{}`."),
    "BulkContactsRequest": obj({
        "ids": {"type": "array", "minItems": 1, "maxItems": 1000, "items": uuid,
                "description": "The contacts to change (duplicates count once)."},
        "action": {"type": "string", "enum": ["setStage", "setTemperature", "addTag", "removeTag", "assign", "delete"]},
        "value": nullable({"type": "string",
                           "description": "`setStage`: a stage (required). `setTemperature`: a temperature, or null/absent "
                                          "to clear it. `addTag`, `removeTag`: a tag (required). `assign`: an active owner, "
                                          "admin or agent's id, or null/absent to unassign. `delete`: ignored (soft delete)."}),
    }, required=["ids", "action"]),
    "BulkResult": obj({
        "changed": {"type": "integer", "minimum": 1, "description": "How many distinct contacts the action was applied to."},
    }, required=["changed"]),
    "Note": obj({
        "id": uuid,
        "contactId": uuid,
        "author": obj({"id": uuid, "name": {"type": "string"}}, required=["id", "name"]),
        "body": {"type": "string"},
        "createdAt": dt,
    }, required=["id", "contactId", "author", "body", "createdAt"], description="A note a staff member wrote on a contact."),
    "NotePage": obj({
        "items": {"type": "array", "items": ref("Note")},
        "nextCursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last page."},
    }, required=["items", "nextCursor"]),
    "AddNoteRequest": obj({
        "body": {"type": "string", "minLength": 1, "maxLength": 10000, "description": "1 to 10000 characters after trimming."},
    }, required=["body"]),
    "TimelineEntry": obj({
        "id": uuid,
        "kind": {"type": "string", "enum": ["created", "imported", "note", "stage_changed", "owner_changed", "deleted",
                                            "restored", "call", "message", "payment"]},
        "actorId": {**uuid, "type": ["string", "null"], "description": "Who did it; null for the system or a customer."},
        "actorName": {"type": ["string", "null"], "description": "The actor's current name; null without an actor."},
        "occurredAt": dt,
        "data": {"type": "object",
                 "description": "Depends on `kind`, e.g. `created` `{source}`, `imported` `{importId, fileName}`, `note` "
                                "`{noteId, body}`, `stage_changed` and `owner_changed` `{from, to}`, `deleted` and "
                                "`restored` `{}`, `call` `{callId, direction, status, durationSeconds, ...}`."},
    }, required=["id", "kind", "actorId", "actorName", "occurredAt", "data"], description="One thing that happened to a contact."),
    "TimelinePage": obj({
        "items": {"type": "array", "items": ref("TimelineEntry")},
        "nextCursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; null on the last page."},
    }, required=["items", "nextCursor"]),
    "ContactImport": obj({
        "id": uuid,
        "status": {"type": "string", "enum": ["queued", "running", "completed", "failed"]},
        "fileName": {"type": "string", "description": "The `fileName` given at upload; omitted when none was."},
        "format": {"type": "string", "enum": ["csv", "xlsx"]},
        "overwrite": {"type": "boolean"},
        "totalRows": {"type": "integer", "minimum": 0, "description": "Data rows in the file (the header excluded)."},
        "processedRows": {"type": "integer", "minimum": 0},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100,
                     "description": "Whole percent of rows processed (100 for a file without rows)."},
        "created": {"type": "integer", "minimum": 0, "description": "New contacts."},
        "merged": {"type": "integer", "minimum": 0,
                   "description": "Rows folded into an existing contact or into an earlier row of the file."},
        "skipped": {"type": "integer", "minimum": 0,
                    "description": "Blank rows, and rows matching an existing contact that added nothing to it."},
        "failed": {"type": "integer", "minimum": 0, "description": "Rows refused, each listed in `failures`."},
        "failures": {"type": "array", "maxItems": 1000,
                     "items": obj({"row": {"type": "integer", "description": "The row number as the spreadsheet shows it (the header is row 1)."},
                                   "reason": {"type": "string"}}, required=["row", "reason"]),
                     "description": "The refused rows (the first 1000)."},
        "error": {"type": "string", "description": "Why the whole job failed; omitted unless `status` is `failed`."},
        "createdBy": uuid,
        "createdAt": dt,
        "startedAt": {**dt, "description": "Omitted until the job starts."},
        "finishedAt": {**dt, "description": "Omitted until the job ends."},
    }, required=["id", "status", "format", "overwrite", "totalRows", "processedRows", "progress", "created", "merged",
                 "skipped", "failed", "failures", "createdBy", "createdAt"],
        description="A contact import job."),
    "Tag": obj({
        "name": {"type": "string"},
        "color": {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$", "description": "Omitted when the tag has no colour."},
        "contactCount": {"type": "integer", "minimum": 0, "description": "Live contacts carrying the tag."},
        "createdAt": dt,
    }, required=["name", "contactCount", "createdAt"]),
    "TagList": obj({"items": {"type": "array", "items": ref("Tag")}}, required=["items"]),
    "SaveTagRequest": obj({
        "name": {"type": "string", "maxLength": 50,
                 "description": "1 to 50 characters after trimming, without commas, semicolons or line breaks."},
        "color": nullable({"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$",
                           "description": "`#` and 6 hex digits, e.g. `#1a2b3c`. Null or absent keeps an existing tag's colour."}),
    }, required=["name"]),
    "Task": obj({
        "id": uuid,
        "kind": {"type": "string", "examples": ["callback"], "description": "Today always `callback`."},
        "title": {"type": "string", "examples": ["Call back Asha Rao (missed call)"]},
        "status": {"type": "string", "enum": ["open", "done"]},
        "contact": obj({"id": uuid, "name": {"type": "string"}}, required=["id", "name"]),
        "assigneeId": {**uuid, "description": "Omitted when nobody is assigned."},
        "callId": {**uuid, "description": "The missed call that left it; omitted otherwise."},
        "dueAt": dt,
        "createdAt": dt,
        "completedAt": {**dt, "description": "Omitted while open."},
        "completedBy": {**uuid, "description": "Omitted while open."},
    }, required=["id", "kind", "title", "status", "contact", "dueAt", "createdAt"], description="A follow-up task on a contact."),
    "TaskList": obj({"items": {"type": "array", "items": ref("Task")}}, required=["items"]),
    "Dashboard": obj({
        "from": dt,
        "to": dt,
        "scope": {"type": "string", "enum": ["own", "tenant"],
                  "description": "`own` for agents (their contacts and calls), `tenant` for owners and admins."},
        "contacts": {"type": "integer", "minimum": 0, "description": "Live contacts in scope (all time)."},
        "byStage": obj({s: {"type": "integer", "minimum": 0} for s in
                        ["new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"]},
                       required=["new", "contacted", "qualified", "proposal", "negotiation", "won", "lost"],
                       description="Live contacts per stage; every stage is present."),
        "byTemperature": obj({t: {"type": "integer", "minimum": 0} for t in ["hot", "warm", "cold", "dead", "unset"]},
                             required=["hot", "warm", "cold", "dead"],
                             description="Live contacts per temperature; `unset` (no temperature) is present only when "
                                         "some contact has none."),
        "bySource": {"type": "array",
                     "items": obj({"key": {"type": "string", "description": "The source; omitted for contacts without one."},
                                   "count": {"type": "integer", "minimum": 1}}, required=["count"]),
                     "description": "Live contacts per source, most first (ties by source name)."},
        "newLeads": {"type": "integer", "minimum": 0, "description": "Contacts in scope created in `[from, to)`."},
        "calls": obj({
            "total": {"type": "integer", "minimum": 0},
            "answered": {"type": "integer", "minimum": 0},
            "missed": {"type": "integer", "minimum": 0},
            "averageDurationSeconds": {"type": "integer", "minimum": 0,
                                       "description": "Of answered calls; omitted when none was answered."},
        }, required=["total", "answered", "missed"], description="Calls created in `[from, to)`."),
        "messages": obj({
            "inbound": {"type": "integer", "minimum": 0, "description": "From customers (portal chat and WhatsApp)."},
            "outbound": {"type": "integer", "minimum": 0, "description": "From staff."},
        }, required=["inbound", "outbound"],
            description="Messages written in `[from, to)`; for agents, in the conversations assigned to them."),
        "revenue": {"type": "array", "description": "Per currency, payments captured in `[from, to)` (agents: their contacts'), in minor units.",
                    "items": obj({"currency": {"type": "string"}, "payments": {"type": "integer"}, "captured": {"type": "integer"},
                                  "refunded": {"type": "integer"}, "net": {"type": "integer"}},
                                 required=["currency", "payments", "captured", "refunded", "net"])},
    }, required=["from", "to", "scope", "contacts", "byStage", "byTemperature", "bySource", "newLeads", "calls", "messages", "revenue"],
        description="Dashboard figures for a period."),
    "ContactSettings": obj({
        "autoAssign": {"type": "boolean",
                       "description": "New contacts without an owner (created, imported, or arriving by WhatsApp) go to the "
                                      "tenant's active agents in turn (default false)."},
        "agentsSeeOnlyOwn": {"type": "boolean",
                             "description": "Agents see only the contacts they own; owners and admins always see all (default false)."},
    }, required=["autoAssign", "agentsSeeOnlyOwn"]),
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
        "contact": obj({
            "id": uuid, "name": {"type": "string"}, "phone": {"type": ["string", "null"]},
            "stage": ref("ContactStage"), "ownerId": {"type": ["string", "null"], "format": "uuid"},
        }, required=["id", "name", "stage"],
            description="The customer's CRM contact the call is filed under; omitted for customers."),
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
    # anyOf, not oneOf: an AgentState has every AvailableAgent field, so it matches both.
    "AgentList": obj({"items": {"type": "array", "items": {"anyOf": [ref("AvailableAgent"), ref("AgentState")]}}}, required=["items"]),
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
                "apiVersion": {"type": "string", "description": "The Graph API version sends use.", "examples": ["v21.0"]},
                "baseUrl": {"type": "string", "description": "The Graph API base URL sends use.",
                            "examples": ["https://graph.facebook.com"]},
                "webhookPath": {"type": "string",
                                "description": "The tenant's webhook path (verify and notifications); give Meta this URL on your host."},
                "accessToken": secret_state,
                "appSecret": secret_state,
                "verifyToken": secret_state,
            }, required=["apiVersion", "baseUrl", "accessToken", "appSecret", "verifyToken"]),
            "razorpay": obj({
                "keyId": {"type": "string", "description": "Omitted when not set."},
                "baseUrl": {"type": "string", "description": "The Razorpay API base URL.", "examples": ["https://api.razorpay.com/v1"]},
                "webhookPath": {"type": "string", "description": "The tenant's Razorpay webhook path; give Razorpay this URL on your host."},
                "keySecret": secret_state,
                "webhookSecret": secret_state,
            }, required=["baseUrl", "keySecret", "webhookSecret"]),
            "livekit": obj({
                "url": {"type": "string", "description": "Omitted when not set."},
                "apiKey": {"type": "string", "description": "Omitted when not set."},
                "apiSecret": secret_state,
            }, required=["apiSecret"]),
        }, required=["whatsapp", "razorpay", "livekit"]),
        "calls": ref("CallSettings"),
        "contacts": ref("ContactSettings"),
    }, required=["tenant", "defaultCountryCode", "timezone", "integrations", "calls", "contacts"],
        description="A tenant's settings as its administrators see them."),
    "UpdateSettingsRequest": obj({
        "name": nullable({"type": "string", "description": "The tenant's display name, 1 to 200 characters after trimming."}),
        "defaultCountryCode": nullable({"type": "string", "pattern": "^\\+[0-9]{1,4}$", "description": "`+` and 1 to 4 digits, e.g. `+91`."}),
        "timezone": nullable({"type": "string", "description": "An IANA time zone such as `Asia/Kolkata`."}),
        "integrations": nullable(obj({
            "whatsapp": nullable(obj({
                "phoneNumberId": ident_input("WhatsApp Cloud API phone number id."),
                "businessAccountId": ident_input("WhatsApp business account id."),
                "apiVersion": nullable({"type": "string", "pattern": "^(v[0-9]{1,3}\\.[0-9]{1,3})?$",
                                        "description": "Graph API version such as `v21.0`; \"\" restores the default."}),
                "baseUrl": nullable({"type": "string", "maxLength": 500,
                                     "description": "Graph API base URL (`http` or `https`, no query); \"\" restores `https://graph.facebook.com`."}),
                "accessToken": secret_input("WhatsApp access token."),
                "appSecret": secret_input("WhatsApp app secret."),
                "verifyToken": secret_input("WhatsApp webhook verify token."),
            })),
            "razorpay": nullable(obj({
                "keyId": ident_input("Razorpay key id."),
                "baseUrl": nullable({"type": "string", "maxLength": 500,
                                     "description": "Razorpay API base URL (`http` or `https`, no query); \"\" restores `https://api.razorpay.com/v1`."}),
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
        "contacts": nullable(obj({
            "autoAssign": nullable({"type": "boolean",
                                    "description": "Give new contacts without an owner to the active agents in turn."}),
            "agentsSeeOnlyOwn": nullable({"type": "boolean",
                                          "description": "Limit agents to the contacts they own."}),
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
            "Unknown JSON properties are ignored. Text may not hold a NUL character (U+0000): in a JSON body or a query "
            "parameter it answers 422 naming the field. Optional response properties are omitted when they have no value, "
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
        {"name": "Contacts", "description": "CRM contacts (leads and customers) with notes, timeline, bulk changes and CSV export, for staff."},
        {"name": "Imports", "description": "Contact imports from CSV or Excel files, run in the background, for staff."},
        {"name": "Tags", "description": "The tenant's tag catalogue, for staff."},
        {"name": "Tasks", "description": "Follow-up tasks on contacts, such as callbacks for missed calls, for staff."},
        {"name": "Dashboard", "description": "Pipeline, new-lead and call figures for a period, for staff."},
        {"name": "Conversations", "description": "One inbox for portal chat and WhatsApp: conversations, messages, assignment, read marks."},
        {"name": "Payments", "description": "Razorpay orders, Checkout verification, payment links, refunds and the product catalogue."},
        {"name": "Webhooks", "description": "Provider webhooks, one unguessable URL per tenant, verified on the raw body."},
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
