-- 0011: one inbox for portal chat and WhatsApp: conversations and their messages
-- (which are also the WhatsApp send queue), what each staff user has read, the raw
-- WhatsApp webhook deliveries (stored before they are processed), and the
-- unguessable per-tenant keys that name a tenant in provider webhook URLs.

-- A webhook URL names its tenant by one of these, never by slug or id. Looked up
-- across tenants (the request carries no token), so the key column is unique.
CREATE TABLE tenant_webhook_keys (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    provider text NOT NULL CHECK (provider IN ('whatsapp', 'razorpay')),
    key text NOT NULL UNIQUE CHECK (key ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, provider)
);
SELECT switchboard_isolate_by_tenant('tenant_webhook_keys');

-- 64 hex digits from two random UUIDs: 244 random bits.
CREATE FUNCTION switchboard_new_webhook_key() RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '')
$$;

-- Every tenant has its keys from the start, whichever path created it.
CREATE FUNCTION switchboard_create_webhook_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tenant_webhook_keys (tenant_id, provider, key)
    SELECT NEW.id, provider, switchboard_new_webhook_key() FROM unnest(ARRAY['whatsapp', 'razorpay']) AS provider;
    RETURN NEW;
END
$$;
CREATE TRIGGER tenants_webhook_keys AFTER INSERT ON tenants FOR EACH ROW EXECUTE FUNCTION switchboard_create_webhook_keys();
INSERT INTO tenant_webhook_keys (tenant_id, provider, key)
SELECT t.id, provider, switchboard_new_webhook_key() FROM tenants t CROSS JOIN unnest(ARRAY['whatsapp', 'razorpay']) AS provider;

CREATE TABLE conversations (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    channel text NOT NULL CHECK (channel IN ('portal', 'whatsapp')),
    contact_id uuid REFERENCES contacts (id),
    -- The portal customer on the other side (portal conversations only).
    customer_user_id uuid REFERENCES users (id),
    assignee_id uuid REFERENCES users (id),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    -- The inbox's order: the newest message's time (the creation time until then).
    last_message_at timestamptz NOT NULL DEFAULT now(),
    last_message_preview text,
    -- WhatsApp's 24-hour customer-service window: open while the customer's last
    -- message is under 24 hours old, unless a send failed with 131047 since then.
    last_inbound_at timestamptz,
    window_closed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    CHECK ((channel = 'portal') = (customer_user_id IS NOT NULL)),
    CHECK (channel = 'portal' OR contact_id IS NOT NULL)
);
SELECT switchboard_isolate_by_tenant('conversations');
-- One conversation per customer (portal) and per contact (WhatsApp); resolving and
-- reopening keep it.
CREATE UNIQUE INDEX conversations_portal_key ON conversations (tenant_id, customer_user_id) WHERE channel = 'portal';
CREATE UNIQUE INDEX conversations_whatsapp_key ON conversations (tenant_id, contact_id) WHERE channel = 'whatsapp';
CREATE INDEX conversations_inbox_idx ON conversations (tenant_id, last_message_at DESC, id DESC);
CREATE INDEX conversations_assignee_idx ON conversations (tenant_id, assignee_id, last_message_at DESC, id DESC);

CREATE TABLE messages (
    id uuid PRIMARY KEY,
    -- Order within a conversation, and the unread mark's unit.
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    conversation_id uuid NOT NULL REFERENCES conversations (id),
    direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    -- Who wrote it: a staff user, a portal customer, or (null) the WhatsApp contact.
    author_id uuid REFERENCES users (id),
    type text NOT NULL CHECK (length(type) BETWEEN 1 AND 40),
    body text NOT NULL CHECK (length(body) <= 4096),
    -- For templates: {name, language, parameters}.
    template jsonb,
    status text NOT NULL CHECK (status IN ('queued', 'sent', 'delivered', 'read', 'failed')),
    error_code integer,
    error_title text,
    provider_message_id text,
    -- The provider's time of the newest status applied (statuses apply in time order).
    status_at timestamptz,
    sent_at timestamptz,
    delivered_at timestamptz,
    read_at timestamptz,
    -- The send queue (outbound WhatsApp): attempts so far and when to try next; a
    -- claimed message carries the lease of the node sending it.
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    lease_until timestamptz,
    idempotency_key text,
    request_hash text,
    created_at timestamptz NOT NULL DEFAULT now()
);
SELECT switchboard_isolate_by_tenant('messages');
CREATE UNIQUE INDEX messages_provider_id_key ON messages (tenant_id, provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE UNIQUE INDEX messages_idempotency_key ON messages (tenant_id, author_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX messages_conversation_idx ON messages (tenant_id, conversation_id, seq DESC);
-- The dashboard counts a period's messages.
CREATE INDEX messages_tenant_created_idx ON messages (tenant_id, created_at);
-- The queue: only messages waiting to be sent are in it.
CREATE INDEX messages_send_queue_idx ON messages (next_attempt_at) WHERE status = 'queued' AND next_attempt_at IS NOT NULL;

-- How far each user has read each conversation.
CREATE TABLE conversation_reads (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    conversation_id uuid NOT NULL REFERENCES conversations (id),
    user_id uuid NOT NULL REFERENCES users (id),
    last_read_seq bigint NOT NULL,
    read_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, user_id)
);
SELECT switchboard_isolate_by_tenant('conversation_reads');

-- Verified WhatsApp webhook bodies, exactly as received, kept until processed (and a
-- while after, for audit). The same bytes delivered again are the same delivery.
CREATE TABLE whatsapp_deliveries (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    body bytea NOT NULL,
    body_sha256 bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    -- After a failed attempt: not before this.
    retry_at timestamptz,
    UNIQUE (tenant_id, body_sha256)
);
SELECT switchboard_isolate_by_tenant('whatsapp_deliveries');
CREATE INDEX whatsapp_deliveries_pending_idx ON whatsapp_deliveries (received_at) WHERE processed_at IS NULL;
