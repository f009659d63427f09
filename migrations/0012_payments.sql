-- 0012: payments through Razorpay: the tenant's product catalogue, payments (one
-- per Razorpay order or payment link, carrying the state its webhooks move), their
-- refunds, and the raw webhook deliveries, stored before they are applied.
-- Money is integer minor units (paise for INR) with an ISO currency, everywhere.

CREATE TABLE products (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    price_minor bigint NOT NULL CHECK (price_minor > 0),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
SELECT switchboard_isolate_by_tenant('products');
CREATE INDEX products_tenant_idx ON products (tenant_id, created_at DESC, id DESC);

CREATE TABLE payments (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    kind text NOT NULL CHECK (kind IN ('order', 'link')),
    contact_id uuid NOT NULL REFERENCES contacts (id),
    -- The portal customer paying, when they started it (they hear its events).
    customer_user_id uuid REFERENCES users (id),
    product_id uuid REFERENCES products (id),
    description text CHECK (length(description) <= 255),
    amount_minor bigint NOT NULL CHECK (amount_minor >= 100),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status text NOT NULL DEFAULT 'created'
        CHECK (status IN ('created', 'authorized', 'captured', 'failed', 'partially_refunded', 'refunded')),
    razorpay_order_id text,
    razorpay_payment_id text,
    razorpay_link_id text,
    short_url text,
    captured_minor bigint NOT NULL DEFAULT 0 CHECK (captured_minor >= 0),
    refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
    method text,
    error_code text,
    error_description text,
    -- What Razorpay reported that disagrees with the order (amount or currency):
    -- flagged for a person to look at, never silently accepted.
    mismatch text,
    created_by uuid REFERENCES users (id),
    idempotency_key text,
    request_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    verified_at timestamptz,
    authorized_at timestamptz,
    captured_at timestamptz,
    failed_at timestamptz,
    CHECK (refunded_minor <= captured_minor)
);
SELECT switchboard_isolate_by_tenant('payments');
CREATE UNIQUE INDEX payments_order_key ON payments (tenant_id, razorpay_order_id) WHERE razorpay_order_id IS NOT NULL;
CREATE UNIQUE INDEX payments_link_key ON payments (tenant_id, razorpay_link_id) WHERE razorpay_link_id IS NOT NULL;
CREATE INDEX payments_payment_idx ON payments (tenant_id, razorpay_payment_id) WHERE razorpay_payment_id IS NOT NULL;
CREATE UNIQUE INDEX payments_idempotency_key ON payments (tenant_id, created_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX payments_list_idx ON payments (tenant_id, created_at DESC, id DESC);
CREATE INDEX payments_contact_idx ON payments (tenant_id, contact_id, created_at DESC);
CREATE INDEX payments_captured_idx ON payments (tenant_id, captured_at) WHERE captured_at IS NOT NULL;

CREATE TABLE refunds (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    payment_id uuid NOT NULL REFERENCES payments (id),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    -- `requested` until Razorpay answers; then its own states.
    status text NOT NULL CHECK (status IN ('requested', 'pending', 'processed', 'failed')),
    razorpay_refund_id text,
    error text,
    created_by uuid REFERENCES users (id),
    idempotency_key text,
    request_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
SELECT switchboard_isolate_by_tenant('refunds');
CREATE UNIQUE INDEX refunds_razorpay_key ON refunds (tenant_id, razorpay_refund_id) WHERE razorpay_refund_id IS NOT NULL;
CREATE UNIQUE INDEX refunds_idempotency_key ON refunds (tenant_id, created_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX refunds_payment_idx ON refunds (tenant_id, payment_id);

-- Verified Razorpay webhook bodies as received, one per X-Razorpay-Event-Id.
CREATE TABLE razorpay_deliveries (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    event_id text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 200),
    body bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    retry_at timestamptz,
    UNIQUE (tenant_id, event_id)
);
SELECT switchboard_isolate_by_tenant('razorpay_deliveries');
CREATE INDEX razorpay_deliveries_pending_idx ON razorpay_deliveries (received_at) WHERE processed_at IS NULL;
