-- 0020: the event fan-out's read as one statement.
--
-- Every node reads the outbox after each notification, so under load it is the
-- statement run most often (about four reads per call set-up and decline on each
-- node in `BENCH_PG_STATEMENTS=1 ops/bench calls`). As a cross-tenant transaction a
-- read was four round trips: BEGIN, the cross-tenant scope, the SELECT, COMMIT. On
-- this machine each round trip costs both sides a socket write, a read and a wake-up,
-- whatever the statement does.
--
-- This function is the read and its scope in one: it admits every tenant's events
-- for its own query only and puts the setting back as it found it, so calling it
-- inside a tenant transaction leaves that transaction scoped as it was. (Should the
-- query fail, the transaction or savepoint it ran in is rolled back, and the setting
-- with it.) The server calls it only from `OutboxReader.events(after:limit:logger:)`,
-- naming `CrossTenantPurpose.eventFanOut`; see SECURITY.md.

CREATE FUNCTION switchboard_events_for_fan_out(after_txid xid8, after_id bigint, batch bigint)
RETURNS TABLE (
    txid_text text, id bigint, tenant_id uuid, type text, audience_user_ids uuid[], audience_roles text[],
    payload text, occurred_at timestamptz
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    previous text := current_setting('switchboard.cross_tenant', true);
BEGIN
    PERFORM set_config('switchboard.cross_tenant', 'on', true);
    RETURN QUERY
        SELECT e.txid::text, e.id, e.tenant_id, e.type, e.audience_user_ids, e.audience_roles, e.payload::text, e.occurred_at
        FROM events e
        WHERE (e.txid, e.id) > (after_txid, after_id)
          AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY e.txid, e.id
        LIMIT batch;
    PERFORM set_config('switchboard.cross_tenant', coalesce(previous, ''), true);
END
$$;
