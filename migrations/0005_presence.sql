-- 0005: presence. An agent's chosen status lives in `presence`; being reachable
-- also needs a live connection on a live node. Each node records how many
-- connections each user holds on it and heartbeats in `nodes`; a node whose
-- heartbeat is older than the node timeout is dead, and any node sweeps its rows.

CREATE TABLE nodes (
    id uuid PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE presence (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'busy', 'away', 'offline')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);
SELECT switchboard_isolate_by_tenant('presence');

CREATE TABLE live_connections (
    node_id uuid NOT NULL REFERENCES nodes (id),
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connections integer NOT NULL CHECK (connections > 0),
    PRIMARY KEY (node_id, tenant_id, user_id)
);
CREATE INDEX live_connections_user_idx ON live_connections (tenant_id, user_id);
SELECT switchboard_isolate_by_tenant('live_connections');
