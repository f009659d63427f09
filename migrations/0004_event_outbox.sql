-- 0004: the event outbox. Every state change someone must hear about inserts a row
-- here in the same transaction as the change.
--
-- Reading position: `txid` is the inserting transaction's id. A reader delivers only
-- rows whose txid is below the oldest transaction still running
-- (pg_snapshot_xmin(pg_current_snapshot())), in (txid, id) order. Every transaction
-- below that horizon has finished and new ones get larger ids, so no row can later
-- appear behind a position already delivered: sequence ids alone would skip rows of
-- slower transactions that commit after a faster one with a larger id.

CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    type text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
    -- Who hears it: one user, a set of users, or every user of a role in the tenant.
    audience_user_ids uuid[] NOT NULL DEFAULT '{}',
    audience_roles text[] NOT NULL DEFAULT '{}',
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    CHECK (cardinality(audience_user_ids) > 0 OR cardinality(audience_roles) > 0)
);
CREATE INDEX events_position_idx ON events (txid, id);
CREATE INDEX events_occurred_at_idx ON events (occurred_at);

SELECT switchboard_isolate_by_tenant('events');
