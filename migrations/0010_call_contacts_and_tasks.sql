-- 0010: calls belong to the customer's CRM contact (their timeline shows them, the
-- call history filters by them), and a missed customer call leaves a callback task.

ALTER TABLE calls ADD COLUMN contact_id uuid REFERENCES contacts (id);
CREATE INDEX calls_tenant_contact_idx ON calls (tenant_id, contact_id, created_at DESC, id DESC) WHERE contact_id IS NOT NULL;

CREATE TABLE contact_tasks (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    contact_id uuid NOT NULL REFERENCES contacts (id),
    kind text NOT NULL CHECK (kind IN ('callback')),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    -- Who should do it: the contact's owner, or any agent when unassigned.
    assignee_id uuid REFERENCES users (id),
    call_id uuid REFERENCES calls (id),
    due_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    completed_by uuid REFERENCES users (id)
);
CREATE INDEX contact_tasks_open_idx ON contact_tasks (tenant_id, due_at, id) WHERE status = 'open';
CREATE INDEX contact_tasks_contact_idx ON contact_tasks (tenant_id, contact_id, created_at DESC);
SELECT switchboard_isolate_by_tenant('contact_tasks');
