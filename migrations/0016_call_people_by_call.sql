-- 0016: the rollup triggers find a call's offers by the call alone.
--
-- `switchboard_call_people` looked the offers up by tenant and call. In a trigger
-- the statement keeps a generic plan, and on tables without fresh statistics
-- PostgreSQL combined the call's primary-key range with a scan of the tenant's
-- index over every offer it ever made: 0.8 ms per call written at 2,000 past
-- offers, growing with the tenant's history. The call id alone is the leading
-- column of the offers' primary key and names one tenant's call; row-level
-- security still binds the read to the transaction's tenant.

CREATE OR REPLACE FUNCTION switchboard_call_people(tenant uuid, call uuid, caller uuid, callee uuid)
RETURNS TABLE (user_id uuid)
LANGUAGE sql STABLE AS $$
    SELECT '00000000-0000-0000-0000-000000000000'::uuid
    UNION SELECT caller
    UNION SELECT callee WHERE callee IS NOT NULL
    UNION SELECT o.user_id FROM call_offers o WHERE o.call_id = call
$$;
