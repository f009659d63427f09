-- 0018: a tenant's new leads over whole days read from the rollups by day.
--
-- The dashboard's tenant-wide new-lead count sums `created` rows over a range of
-- days for every owner. contact_rollups_read_idx leads with the owner, so without
-- one the day range could not bound the scan: every `created` row the tenant ever
-- had (an owner and a day each) was read to sum a month's.
CREATE INDEX contact_rollups_created_by_day_idx ON contact_rollups (tenant_id, day) WHERE dimension = 'created';
