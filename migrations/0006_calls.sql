-- 0006: browser calls. A call rings one or more users (`call_offers`); the first
-- accept wins. Deadlines are stored, so any node's sweeper enforces them and a
-- restart never leaves a call ringing.

CREATE TABLE calls (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    status text NOT NULL CHECK (status IN ('ringing', 'accepted', 'ended', 'declined', 'missed', 'cancelled')),
    strategy text NOT NULL CHECK (strategy IN ('direct', 'ring-all', 'round-robin')),
    caller_id uuid NOT NULL REFERENCES users (id),
    caller_type text NOT NULL CHECK (caller_type IN ('staff', 'customer')),
    callee_id uuid REFERENCES users (id),
    callee_type text CHECK (callee_type IN ('staff', 'customer')),
    room text NOT NULL UNIQUE,
    ring_deadline timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    answered_at timestamptz,
    ended_at timestamptz,
    duration_seconds integer CHECK (duration_seconds >= 0),
    end_reason text CHECK (end_reason IN ('completed', 'declined', 'missed', 'no-agents', 'cancelled')),
    ended_by uuid REFERENCES users (id),
    idempotency_key text,
    request_hash text,
    UNIQUE (tenant_id, caller_id, idempotency_key)
);
CREATE INDEX calls_tenant_created_idx ON calls (tenant_id, created_at DESC, id DESC);
CREATE INDEX calls_ringing_deadline_idx ON calls (ring_deadline) WHERE status = 'ringing';
SELECT switchboard_isolate_by_tenant('calls');

CREATE TABLE call_offers (
    call_id uuid NOT NULL REFERENCES calls (id),
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    user_id uuid NOT NULL REFERENCES users (id),
    state text NOT NULL CHECK (state IN ('ringing', 'accepted', 'declined', 'timed-out', 'answered-elsewhere', 'cancelled', 'missed')),
    offered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (call_id, user_id)
);
CREATE INDEX call_offers_user_idx ON call_offers (tenant_id, user_id, offered_at DESC);
SELECT switchboard_isolate_by_tenant('call_offers');

-- Agents on a call are busy; the status they had comes back after the call (and
-- an optional wrap-up), applied by the same sweeper at `restore_at`.
ALTER TABLE presence ADD COLUMN status_before_call text
    CHECK (status_before_call IN ('available', 'busy', 'away', 'offline'));
ALTER TABLE presence ADD COLUMN restore_at timestamptz;
