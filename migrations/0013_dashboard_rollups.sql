-- 0013: the dashboard's counts, kept as they change instead of counted per request.
--
-- `GET /v1/dashboard` counted a tenant's contacts (every one of them: the pipeline
-- is the current state) and its calls in the period on every request: 131 ms and
-- 21 ms of PostgreSQL for a tenant of 100,000 contacts and 30,000 calls a month
-- (ops/bench contacts), so 32 dashboards at once queued for seconds.
--
-- Triggers on the counted tables append signed rows (`pending`); the dashboard
-- sums folded and pending rows alike, so it is exact at once, and writers only
-- ever insert: no counter row is updated by two transactions, so nothing waits on
-- a hot row and nothing can deadlock on one. A background fold (any node, one at a
-- time) sums the pending rows into the folded ones. Days are UTC days; the
-- dashboard counts the partial days at the ends of its period from the tables.
--
-- The nil uuid stands for "nobody" (contacts) and "the whole tenant" (calls): a
-- NOT NULL key keeps equality, which row-level security lets an index serve.

CREATE TABLE contact_rollups (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    -- The contacts' owner, or the nil uuid for contacts nobody owns.
    owner_id uuid NOT NULL,
    dimension text NOT NULL CHECK (dimension IN ('stage', 'temperature', 'source', 'created')),
    -- The stage, temperature or source; null for `created` (and for contacts
    -- without a temperature or source).
    key text,
    -- The UTC day the contacts were created, for `created`; null otherwise.
    day date,
    contacts bigint NOT NULL,
    pending boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX contact_rollups_folded_key ON contact_rollups (tenant_id, dimension, owner_id, key, day) NULLS NOT DISTINCT
    WHERE NOT pending;
CREATE INDEX contact_rollups_read_idx ON contact_rollups (tenant_id, dimension, owner_id, day);
CREATE INDEX contact_rollups_pending_idx ON contact_rollups (tenant_id) WHERE pending;
SELECT switchboard_isolate_by_tenant('contact_rollups');

CREATE TABLE call_rollups (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    -- Someone the call involved (caller, callee, anyone it rang), or the nil uuid
    -- for the whole tenant.
    user_id uuid NOT NULL,
    -- The UTC day the calls were made.
    day date NOT NULL,
    calls bigint NOT NULL,
    answered bigint NOT NULL,
    missed bigint NOT NULL,
    -- Answered calls with a duration, and the sum of those durations.
    timed bigint NOT NULL,
    seconds bigint NOT NULL,
    pending boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX call_rollups_folded_key ON call_rollups (tenant_id, user_id, day) WHERE NOT pending;
CREATE INDEX call_rollups_read_idx ON call_rollups (tenant_id, user_id, day);
CREATE INDEX call_rollups_pending_idx ON call_rollups (tenant_id) WHERE pending;
SELECT switchboard_isolate_by_tenant('call_rollups');

-- A contact's rows: one per dimension. Only live contacts count.
CREATE FUNCTION switchboard_contact_dimensions(stage text, temperature text, source text, created_at timestamptz)
RETURNS TABLE (dimension text, key text, day date)
LANGUAGE sql STABLE AS $$
    VALUES ('stage', stage, NULL::date), ('temperature', temperature, NULL::date), ('source', source, NULL::date),
           ('created', NULL::text, (created_at AT TIME ZONE 'UTC')::date)
$$;

-- Statement-level, with transition tables: an import's INSERT of thousands of
-- contacts appends one row per distinct count it changes, not one per contact;
-- an UPDATE that changes nothing counted (a name, tags) appends nothing.
CREATE FUNCTION switchboard_roll_up_contacts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO contact_rollups (tenant_id, owner_id, dimension, key, day, contacts)
        SELECT c.tenant_id, coalesce(c.owner_id, '00000000-0000-0000-0000-000000000000'), d.dimension, d.key, d.day, count(*)
        FROM new_rows c, switchboard_contact_dimensions(c.stage, c.temperature, c.source, c.created_at) d
        WHERE c.deleted_at IS NULL
        GROUP BY 1, 2, 3, 4, 5;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO contact_rollups (tenant_id, owner_id, dimension, key, day, contacts)
        SELECT c.tenant_id, coalesce(c.owner_id, '00000000-0000-0000-0000-000000000000'), d.dimension, d.key, d.day, sum(c.sign)
        FROM (SELECT n.tenant_id, n.owner_id, n.stage, n.temperature, n.source, n.created_at, 1 AS sign
              FROM new_rows n WHERE n.deleted_at IS NULL
              UNION ALL
              SELECT o.tenant_id, o.owner_id, o.stage, o.temperature, o.source, o.created_at, -1
              FROM old_rows o WHERE o.deleted_at IS NULL) c,
             switchboard_contact_dimensions(c.stage, c.temperature, c.source, c.created_at) d
        GROUP BY 1, 2, 3, 4, 5
        HAVING sum(c.sign) <> 0;
    ELSE
        INSERT INTO contact_rollups (tenant_id, owner_id, dimension, key, day, contacts)
        SELECT c.tenant_id, coalesce(c.owner_id, '00000000-0000-0000-0000-000000000000'), d.dimension, d.key, d.day, -count(*)
        FROM old_rows c, switchboard_contact_dimensions(c.stage, c.temperature, c.source, c.created_at) d
        WHERE c.deleted_at IS NULL
        GROUP BY 1, 2, 3, 4, 5;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER contact_rollups_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION switchboard_roll_up_contacts();
CREATE TRIGGER contact_rollups_update AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION switchboard_roll_up_contacts();
CREATE TRIGGER contact_rollups_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION switchboard_roll_up_contacts();

-- Who a call counts for: the tenant, its caller, its callee and everyone it rang
-- (the offers as they stand when the statement runs), each once.
CREATE FUNCTION switchboard_call_people(tenant uuid, call uuid, caller uuid, callee uuid)
RETURNS TABLE (user_id uuid)
LANGUAGE sql STABLE AS $$
    SELECT '00000000-0000-0000-0000-000000000000'::uuid
    UNION SELECT caller
    UNION SELECT callee WHERE callee IS NOT NULL
    UNION SELECT o.user_id FROM call_offers o WHERE o.tenant_id = tenant AND o.call_id = call
$$;

CREATE FUNCTION switchboard_roll_up_calls() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO call_rollups (tenant_id, user_id, day, calls, answered, missed, timed, seconds)
        SELECT c.tenant_id, p.user_id, (c.created_at AT TIME ZONE 'UTC')::date, count(*), count(c.answered_at),
               count(*) FILTER (WHERE c.status = 'missed'),
               count(*) FILTER (WHERE c.answered_at IS NOT NULL AND c.duration_seconds IS NOT NULL),
               coalesce(sum(c.duration_seconds) FILTER (WHERE c.answered_at IS NOT NULL), 0)
        FROM new_rows c, switchboard_call_people(c.tenant_id, c.id, c.caller_id, c.callee_id) p
        GROUP BY 1, 2, 3;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO call_rollups (tenant_id, user_id, day, calls, answered, missed, timed, seconds)
        SELECT c.tenant_id, p.user_id, c.day, sum(c.sign), sum(c.sign * c.answered), sum(c.sign * c.missed),
               sum(c.sign * c.timed), sum(c.sign * c.seconds)
        FROM (SELECT n.tenant_id, n.id, n.caller_id, n.callee_id, (n.created_at AT TIME ZONE 'UTC')::date AS day, 1 AS sign,
                     (n.answered_at IS NOT NULL)::int AS answered, (n.status = 'missed')::int AS missed,
                     (n.answered_at IS NOT NULL AND n.duration_seconds IS NOT NULL)::int AS timed,
                     CASE WHEN n.answered_at IS NOT NULL THEN coalesce(n.duration_seconds, 0) ELSE 0 END AS seconds
              FROM new_rows n
              UNION ALL
              SELECT o.tenant_id, o.id, o.caller_id, o.callee_id, (o.created_at AT TIME ZONE 'UTC')::date, -1,
                     (o.answered_at IS NOT NULL)::int, (o.status = 'missed')::int,
                     (o.answered_at IS NOT NULL AND o.duration_seconds IS NOT NULL)::int,
                     CASE WHEN o.answered_at IS NOT NULL THEN coalesce(o.duration_seconds, 0) ELSE 0 END
              FROM old_rows o) c,
             switchboard_call_people(c.tenant_id, c.id, c.caller_id, c.callee_id) p
        GROUP BY 1, 2, 3
        HAVING sum(c.sign) <> 0 OR sum(c.sign * c.answered) <> 0 OR sum(c.sign * c.missed) <> 0 OR sum(c.sign * c.timed) <> 0
            OR sum(c.sign * c.seconds) <> 0;
    ELSE
        INSERT INTO call_rollups (tenant_id, user_id, day, calls, answered, missed, timed, seconds)
        SELECT c.tenant_id, p.user_id, (c.created_at AT TIME ZONE 'UTC')::date, -count(*), -count(c.answered_at),
               -count(*) FILTER (WHERE c.status = 'missed'),
               -count(*) FILTER (WHERE c.answered_at IS NOT NULL AND c.duration_seconds IS NOT NULL),
               -coalesce(sum(c.duration_seconds) FILTER (WHERE c.answered_at IS NOT NULL), 0)
        FROM old_rows c, switchboard_call_people(c.tenant_id, c.id, c.caller_id, c.callee_id) p
        GROUP BY 1, 2, 3;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER call_rollups_insert AFTER INSERT ON calls
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION switchboard_roll_up_calls();
CREATE TRIGGER call_rollups_update AFTER UPDATE ON calls
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION switchboard_roll_up_calls();
CREATE TRIGGER call_rollups_delete AFTER DELETE ON calls
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION switchboard_roll_up_calls();

-- Someone newly rung (or no longer rung) who is neither the caller nor the callee
-- starts (or stops) counting the call as theirs. A user's offers are unique per call.
CREATE FUNCTION switchboard_roll_up_call_offers() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO call_rollups (tenant_id, user_id, day, calls, answered, missed, timed, seconds)
    SELECT c.tenant_id, o.user_id, (c.created_at AT TIME ZONE 'UTC')::date, s.sign * count(*), s.sign * count(c.answered_at),
           s.sign * count(*) FILTER (WHERE c.status = 'missed'),
           s.sign * count(*) FILTER (WHERE c.answered_at IS NOT NULL AND c.duration_seconds IS NOT NULL),
           s.sign * coalesce(sum(c.duration_seconds) FILTER (WHERE c.answered_at IS NOT NULL), 0)
    FROM (SELECT CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END AS sign) s,
         changed_offers o JOIN calls c ON c.id = o.call_id AND c.tenant_id = o.tenant_id
    WHERE o.user_id <> c.caller_id AND o.user_id IS DISTINCT FROM c.callee_id
    GROUP BY c.tenant_id, o.user_id, (c.created_at AT TIME ZONE 'UTC')::date, s.sign;
    RETURN NULL;
END
$$;

CREATE TRIGGER call_rollups_offer_insert AFTER INSERT ON call_offers
    REFERENCING NEW TABLE AS changed_offers FOR EACH STATEMENT EXECUTE FUNCTION switchboard_roll_up_call_offers();
CREATE TRIGGER call_rollups_offer_delete AFTER DELETE ON call_offers
    REFERENCING OLD TABLE AS changed_offers FOR EACH STATEMENT EXECUTE FUNCTION switchboard_roll_up_call_offers();

-- The counts of what there is already, folded (the migration runs as the owner,
-- which the isolation policy binds too).
SELECT set_config('switchboard.cross_tenant', 'on', true);
INSERT INTO contact_rollups (tenant_id, owner_id, dimension, key, day, contacts, pending)
SELECT c.tenant_id, coalesce(c.owner_id, '00000000-0000-0000-0000-000000000000'), d.dimension, d.key, d.day, count(*), false
FROM contacts c, switchboard_contact_dimensions(c.stage, c.temperature, c.source, c.created_at) d
WHERE c.deleted_at IS NULL
GROUP BY 1, 2, 3, 4, 5;
INSERT INTO call_rollups (tenant_id, user_id, day, calls, answered, missed, timed, seconds, pending)
SELECT c.tenant_id, p.user_id, (c.created_at AT TIME ZONE 'UTC')::date, count(*), count(c.answered_at),
       count(*) FILTER (WHERE c.status = 'missed'),
       count(*) FILTER (WHERE c.answered_at IS NOT NULL AND c.duration_seconds IS NOT NULL),
       coalesce(sum(c.duration_seconds) FILTER (WHERE c.answered_at IS NOT NULL), 0), false
FROM calls c, switchboard_call_people(c.tenant_id, c.id, c.caller_id, c.callee_id) p
GROUP BY 1, 2, 3;
SELECT set_config('switchboard.cross_tenant', 'off', true);
