-- 0003: the admin audit trail and integration secrets encrypted at rest.

CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'operator', 'system')),
    actor_user_id uuid REFERENCES users (id),
    action text NOT NULL,
    target_type text NOT NULL,
    target_id text,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    request_id text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_tenant_id_idx ON audit_log (tenant_id, id);

-- Ciphertext is AES-GCM sealed with SWITCHBOARD_MASTER_KEY (nonce, ciphertext
-- and tag combined); `last4` is the only part ever shown back.
CREATE TABLE tenant_secrets (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    name text NOT NULL,
    ciphertext bytea NOT NULL,
    last4 text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

SELECT switchboard_isolate_by_tenant('audit_log');
SELECT switchboard_isolate_by_tenant('tenant_secrets');
