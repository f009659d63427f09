-- 0017: the tables written by every call, message, event and webhook no longer
-- check their tenant against `tenants` with a foreign key.
--
-- A foreign key check takes a KEY SHARE lock on the referenced row until the
-- writer commits. Every write of a busy tenant referenced the same `tenants` row,
-- so concurrent transactions shared one row lock: PostgreSQL records several
-- lockers of a row as a MultiXact, and each new locker rewrites it under that
-- row's buffer lock. One tenant's writers queued there. Measured on this machine:
-- three inserts a transaction into a table with the key, 32 clients (pgbench):
-- 5,146 transactions/s with the key, 6,683 without. `BENCH_CALLS_STEP_RATES=150,200
-- ops/bench calls`, 200 set-ups/s on one node: p50 315 ms, p99 601 ms with these
-- keys; p50 87 ms, p99 205 ms without them.
--
-- What the keys guarded is kept another way: every row is written in a tenant
-- transaction whose row-level security policy admits only that transaction's
-- tenant (taken from a verified token or webhook key, so an existing tenant), or
-- by a cross-tenant worker copying a tenant id from an existing row; tenants are
-- never deleted (they are suspended). The entity tables (users, contacts,
-- conversations, payments, products, ...) keep their keys: they are written at a
-- person's pace.

ALTER TABLE calls DROP CONSTRAINT calls_tenant_id_fkey;
ALTER TABLE call_offers DROP CONSTRAINT call_offers_tenant_id_fkey;
ALTER TABLE call_rollups DROP CONSTRAINT call_rollups_tenant_id_fkey;
ALTER TABLE contact_rollups DROP CONSTRAINT contact_rollups_tenant_id_fkey;
ALTER TABLE contact_timeline DROP CONSTRAINT contact_timeline_tenant_id_fkey;
ALTER TABLE contact_tasks DROP CONSTRAINT contact_tasks_tenant_id_fkey;
ALTER TABLE events DROP CONSTRAINT events_tenant_id_fkey;
ALTER TABLE messages DROP CONSTRAINT messages_tenant_id_fkey;
ALTER TABLE whatsapp_deliveries DROP CONSTRAINT whatsapp_deliveries_tenant_id_fkey;
ALTER TABLE razorpay_deliveries DROP CONSTRAINT razorpay_deliveries_tenant_id_fkey;
