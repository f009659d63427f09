import HTTPTypes
import Logging
import Persistence
import PostgresNIO
import Testing

/// Guards future migrations: a tenant-owned table without forced RLS would make a
/// forgotten `tenant_id` filter a cross-tenant leak.
@Suite("Row-level security covers every tenant-owned table")
struct RowLevelSecurityCatalogTests {
    @Test("every table with a tenant_id column has RLS enabled, forced, and the tenant policy, for reads and writes alike")
    func everyTenantTableIsolated() async throws {
        try await TestApp.run { app in
            let logger = Logger(label: "rls-catalog")
            let tables = try await app.database.withUnscopedConnection(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                           EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation'
                                     AND p.polcmd = '*' AND p.polpermissive
                                     AND pg_get_expr(p.polqual, p.polrelid) = pg_get_expr(p.polwithcheck, p.polrelid)
                                     AND pg_get_expr(p.polqual, p.polrelid)
                                         = format('((%s = ( SELECT switchboard_current_tenant() AS switchboard_current_tenant)) '
                                                  'OR ( SELECT switchboard_cross_tenant() AS switchboard_cross_tenant))',
                                                  CASE c.relname WHEN 'tenants' THEN 'id' ELSE 'tenant_id' END))
                    FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
                    WHERE c.relkind = 'r'
                      AND (EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
                           OR c.relname = 'tenants')
                    ORDER BY c.relname
                    """,
                    logger: logger
                )
                var found: [(String, Bool, Bool, Bool)] = []
                for try await row in rows.decode((String, Bool, Bool, Bool).self) { found.append(row) }
                return found.map { "\($0.0) \($0.1) \($0.2) \($0.3)" }
            }
            #expect(tables.count >= 6, "expected the tenant-owned tables, found \(tables)")
            for table in tables {
                #expect(table.hasSuffix("true true true"), "\(table): RLS enabled, forced, the tenant policy (migrations/0019)")
            }
        }
    }
}

@Suite("Unexpected failures")
struct UnexpectedFailureTests {
    @Test("a database error answers a 500 problem that hides internals but names the request id")
    func internalErrorHidesDetails() async throws {
        try await TestApp.run { app in
            // setup: break the audit table underneath a running server
            let tenant = try await app.seedTenant("acme")
            let owner = try await app.token(tenant, .owner)
            let logger = Logger(label: "break-table")
            _ = try await app.database.withUnscopedConnection(logger: logger) { connection in
                try await connection.query("ALTER TABLE audit_log RENAME TO audit_log_gone", logger: logger)
            }
            // act
            let response = try await app.request(.get, "/v1/audit", token: owner)
            // check
            let problem = try response.expectProblem(.internalServerError)
            #expect(!response.text.contains("audit_log"), "internals leaked: \(response.text)")
            #expect((problem["detail"] as? String)?.contains("request id") == true)
        }
    }
}
