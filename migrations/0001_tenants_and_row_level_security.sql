-- 0001: the tenant registry and the helpers every row-level security policy uses.
--
-- Policies are keyed on the transaction-local setting `switchboard.tenant_id`,
-- which the server sets with set_config(..., true) at the start of every tenant
-- transaction. The one way to read across tenants is the transaction-local
-- `switchboard.cross_tenant = 'on'`, set only by Database.withCrossTenantAccess
-- (see SECURITY.md). RLS itself is never disabled.

CREATE FUNCTION switchboard_current_tenant() RETURNS uuid
LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('switchboard.tenant_id', true), '')::uuid
$$;

CREATE FUNCTION switchboard_cross_tenant() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('switchboard.cross_tenant', true), '') = 'on'
$$;

-- Every tenant-owned table calls this once: RLS enabled and forced (so it binds
-- the table owner too), with the one tenant policy.
CREATE FUNCTION switchboard_isolate_by_tenant(target regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s '
        'USING (tenant_id = switchboard_current_tenant() OR switchboard_cross_tenant()) '
        'WITH CHECK (tenant_id = switchboard_current_tenant() OR switchboard_cross_tenant())',
        target
    );
END
$$;

CREATE TABLE tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The registry is keyed on its own id rather than tenant_id.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = switchboard_current_tenant() OR switchboard_cross_tenant())
    WITH CHECK (id = switchboard_current_tenant() OR switchboard_cross_tenant());
