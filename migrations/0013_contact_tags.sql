-- 0013: contact_tags, one row per tag on a contact, kept by triggers from
-- `contacts.tags`, so that "contacts with this tag" is an index range scan.
--
-- Under row-level security the planner may put only leakproof operators into an
-- index condition, and array containment (`tags @> ARRAY[...]`) is not leakproof:
-- the tag filter was a filter over every contact of the stage (or the tenant),
-- 268 ms for a rare tag among 30,000 `new` contacts (ops/bench contacts). Text
-- equality is leakproof, so `tag = $1` on this table's primary key can be used.

CREATE TABLE contact_tags (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    tag text NOT NULL,
    contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, tag, contact_id)
);
-- For the triggers' deletes and the cascade from contacts.
CREATE INDEX contact_tags_contact_idx ON contact_tags (contact_id);
SELECT switchboard_isolate_by_tenant('contact_tags');

-- Statement-level, with transition tables: an import's INSERT of thousands of
-- contacts adds their tags in one statement, not one per row. The rows take the
-- contact's own tenant, so the isolation policy holds whoever inserts.
CREATE FUNCTION contact_tags_after_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO contact_tags (tenant_id, tag, contact_id)
    SELECT n.tenant_id, t.tag, n.id FROM inserted n CROSS JOIN LATERAL unnest(n.tags) AS t(tag)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE FUNCTION contact_tags_after_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM contact_tags ct
    USING old_rows o JOIN new_rows n ON n.id = o.id
    WHERE o.tags IS DISTINCT FROM n.tags AND ct.contact_id = o.id AND ct.tenant_id = o.tenant_id AND NOT (ct.tag = ANY (n.tags));
    INSERT INTO contact_tags (tenant_id, tag, contact_id)
    SELECT n.tenant_id, t.tag, n.id
    FROM new_rows n JOIN old_rows o ON o.id = n.id CROSS JOIN LATERAL unnest(n.tags) AS t(tag)
    WHERE o.tags IS DISTINCT FROM n.tags
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER contact_tags_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION contact_tags_after_insert();
CREATE TRIGGER contact_tags_update AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_tags_after_update();

-- The tags of the contacts there are already (the migration runs as the owner,
-- which the isolation policy binds too).
SELECT set_config('switchboard.cross_tenant', 'on', true);
INSERT INTO contact_tags (tenant_id, tag, contact_id)
SELECT c.tenant_id, t.tag, c.id FROM contacts c CROSS JOIN LATERAL unnest(c.tags) AS t(tag)
ON CONFLICT DO NOTHING;
SELECT set_config('switchboard.cross_tenant', 'off', true);
