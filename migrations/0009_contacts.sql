-- 0009: the CRM's contacts (one model for leads and customers), their notes, the
-- tenant's tag catalogue, the timeline every feature writes into, and import jobs.

CREATE TABLE contacts (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- E.164, normalised by the server with the tenant's default country code.
    phone text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    email text CHECK (length(email) <= 254),
    source text CHECK (length(source) <= 100),
    stage text NOT NULL DEFAULT 'new'
        CHECK (stage IN ('new', 'contacted', 'qualified', 'proposal', 'negotiation', 'won', 'lost')),
    temperature text CHECK (temperature IN ('hot', 'warm', 'cold', 'dead')),
    score integer NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 100),
    tags text[] NOT NULL DEFAULT '{}',
    owner_id uuid REFERENCES users (id),
    custom_fields jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(custom_fields) = 'object'),
    -- The portal customer this contact is, when they have an account.
    customer_user_id uuid REFERENCES users (id),
    created_by uuid REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Deleting is soft: admins can restore.
    deleted_at timestamptz,
    -- What a text search matches (any part of the name or email, lower-cased): a
    -- filter over the tenant's contacts. Digit searches use the phone indexes below.
    search_text text GENERATED ALWAYS AS (
        lower(name) || ' ' || coalesce(substr(phone, 2), '') || ' ' || coalesce(lower(email), '')
    ) STORED,
    -- The phone's digits and the same reversed, for digit searches by range scans
    -- (see the indexes below); "C" collation orders digits by code point.
    phone_digits text COLLATE "C" GENERATED ALWAYS AS (substr(phone, 2)) STORED,
    phone_digits_reversed text COLLATE "C" GENERATED ALWAYS AS (reverse(substr(phone, 2))) STORED
);
SELECT switchboard_isolate_by_tenant('contacts');

-- One live contact per phone per tenant; a deleted contact's phone may be reused
-- (restoring it then answers 409 until the newer one goes).
CREATE UNIQUE INDEX contacts_tenant_phone_key ON contacts (tenant_id, phone) WHERE phone IS NOT NULL AND deleted_at IS NULL;
-- The default listing (newest first) and its stage filter.
CREATE INDEX contacts_tenant_created_idx ON contacts (tenant_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX contacts_tenant_stage_created_idx ON contacts (tenant_id, stage, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX contacts_tenant_owner_created_idx ON contacts (tenant_id, owner_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
-- No GIN index on tags or trigram index on search_text: under row-level security
-- the planner may use an index only through leakproof operators, and neither
-- `@>` on arrays nor LIKE is one, so such indexes are never used by the server's
-- (non-superuser) role. Text comparison on a column is leakproof (substr() and
-- reverse() are not, hence stored columns rather than expression indexes), so
-- phone search is a range scan on the digits (a typed prefix) and on the
-- reversed digits (a typed ending).
CREATE INDEX contacts_phone_digits_idx ON contacts (tenant_id, phone_digits)
    WHERE phone_digits IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX contacts_phone_reversed_idx ON contacts (tenant_id, phone_digits_reversed)
    WHERE phone_digits_reversed IS NOT NULL AND deleted_at IS NULL;
-- The dashboard's breakdowns read only these columns: an index-only scan.
CREATE INDEX contacts_dashboard_idx ON contacts (tenant_id, owner_id, stage, temperature, source, created_at)
    WHERE deleted_at IS NULL;
CREATE INDEX contacts_customer_idx ON contacts (tenant_id, customer_user_id) WHERE customer_user_id IS NOT NULL;

CREATE TABLE contact_notes (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    contact_id uuid NOT NULL REFERENCES contacts (id),
    author_id uuid NOT NULL REFERENCES users (id),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contact_notes_contact_idx ON contact_notes (tenant_id, contact_id, created_at DESC, id DESC);
SELECT switchboard_isolate_by_tenant('contact_notes');

-- The tenant's tag catalogue. Contacts carry tag names in `contacts.tags`; a tag
-- used on a contact is added here, and deleting one here removes it everywhere.
CREATE TABLE tags (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    color text CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);
SELECT switchboard_isolate_by_tenant('tags');

-- Everything that happened to a contact, newest first: notes, stage and owner
-- changes, calls, messages, payments. Features add entries with
-- ContactTimeline.record; `data` is the entry's own JSON.
CREATE TABLE contact_timeline (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    contact_id uuid NOT NULL REFERENCES contacts (id),
    kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 50),
    actor_id uuid REFERENCES users (id),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    data jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX contact_timeline_contact_idx ON contact_timeline (tenant_id, contact_id, occurred_at DESC, id DESC);
SELECT switchboard_isolate_by_tenant('contact_timeline');

-- Import jobs. The uploaded file is kept until the job finishes, so a job whose
-- node died is picked up again by another (its lease runs out).
CREATE TABLE contact_imports (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    created_by uuid NOT NULL REFERENCES users (id),
    file_name text,
    format text NOT NULL CHECK (format IN ('csv', 'xlsx')),
    overwrite boolean NOT NULL DEFAULT false,
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    file bytea,
    total_rows integer NOT NULL DEFAULT 0,
    processed_rows integer NOT NULL DEFAULT 0,
    -- How many of the file's contacts (merged within the file, in file order) are
    -- done: each batch commits with it, so a resumed job neither skips nor repeats.
    resume_at integer NOT NULL DEFAULT 0,
    created_count integer NOT NULL DEFAULT 0,
    merged_count integer NOT NULL DEFAULT 0,
    skipped_count integer NOT NULL DEFAULT 0,
    failed_count integer NOT NULL DEFAULT 0,
    -- The failed rows ({row, reason}), the first 1,000.
    failures jsonb NOT NULL DEFAULT '[]'::jsonb,
    error text,
    lease_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz
);
CREATE INDEX contact_imports_pending_idx ON contact_imports (created_at) WHERE status IN ('queued', 'running');
SELECT switchboard_isolate_by_tenant('contact_imports');

-- Round-robin auto-assignment: the next position in the tenant's agent list.
CREATE TABLE contact_assignment_cursor (
    tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
    next_position bigint NOT NULL DEFAULT 0
);
SELECT switchboard_isolate_by_tenant('contact_assignment_cursor');
