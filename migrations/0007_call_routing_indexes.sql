-- Routing looks up, for every staff member of a tenant, whether they are ringing
-- or on a call; without these, each check scanned the tenant's whole call history
-- (ops/bench calls: 10 set-ups/s, falling as history grew). Live calls and ringing
-- offers are few at any moment, so partial indexes over just those stay small.
CREATE INDEX calls_live_caller_idx ON calls (tenant_id, caller_id) WHERE status IN ('ringing', 'accepted');
CREATE INDEX calls_live_callee_idx ON calls (tenant_id, callee_id) WHERE status = 'accepted';
CREATE INDEX call_offers_ringing_idx ON call_offers (tenant_id, user_id) WHERE state = 'ringing';
