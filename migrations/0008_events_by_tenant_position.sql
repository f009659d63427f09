-- A resuming client's replay and a resync's id read one tenant's events by position
-- (OutboxReader.replay, newestPosition(_:atOrBefore:)). With only (txid, id), such a
-- read walks every tenant's events since the client's position; on a busy server a
-- reconnect after a few minutes away read them all to find its own.
CREATE INDEX events_tenant_position_idx ON events (tenant_id, txid, id);
