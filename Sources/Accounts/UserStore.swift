import Foundation
import Logging
import Persistence
import PostgresNIO

/// Reads and writes `users` rows. Every query names the tenant explicitly as well as
/// relying on row-level security.
public struct UserStore: Sendable {
    public init() {}

    private static let columns = "id, tenant_id, email, name, phone, role, status, created_at, updated_at"

    public func find(_ tenantID: UUID, id: UUID, on connection: PooledConnection, logger: Logger) async throws -> User? {
        let rows = try await connection.query(Self.findQuery(tenantID, id: id), preparedAs: Find.self, logger: logger)
        return try await Self.users(from: rows).first
    }

    /// `find`, read ahead (`PooledConnection.readAhead`).
    public func findAhead(_ tenantID: UUID, id: UUID, on connection: PooledConnection, logger: Logger) async -> Ahead<User?> {
        await connection.readAhead(Self.findQuery(tenantID, id: id), preparedAs: Find.self, logger: logger).decoded { rows in
            try await Self.users(from: rows).first
        }
    }

    /// Every call set-up checks its callee, every message its author: prepared.
    enum Find: PreparedSQL { static let sql = UserStore.findQuery(UUID(), id: UUID()).sql }

    static func findQuery(_ tenantID: UUID, id: UUID) -> PostgresQuery {
        "SELECT \(unescaped: Self.columns) FROM users WHERE tenant_id = \(tenantID) AND id = \(id)"
    }

    /// The user and password hash for a login, matching the email case-insensitively.
    public func findCredentials(
        _ tenantID: UUID, email: String, on connection: PooledConnection, logger: Logger
    ) async throws -> (user: User, passwordHash: String)? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns), password_hash FROM users
            WHERE tenant_id = \(tenantID) AND lower(email) = lower(\(email))
            """,
            logger: logger
        )
        for try await row in rows {
            let user = try Self.user(from: row)
            let passwordHash = try row.makeRandomAccess()[9].decode(String.self, context: .default)
            return (user, passwordHash)
        }
        return nil
    }

    /// One page of users with their creation sequence (the cursor), after sequence `after`.
    public func list(
        _ tenantID: UUID, filter: UserFilter, after: Int64?, limit: Int,
        on connection: PooledConnection, logger: Logger
    ) async throws -> [(user: User, sequence: Int64)] {
        let pattern = filter.search.map { "%" + Self.escapeLike($0.lowercased()) + "%" }
        let statement = ListUsersPage(
            tenantID: tenantID, role: filter.role?.rawValue, status: filter.status?.rawValue,
            pattern: pattern, after: after ?? 0, limit: limit
        )
        var page: [(user: User, sequence: Int64)] = []
        page.append(contentsOf: try await connection.execute(statement, logger: logger))
        return page
    }

    public func insert(
        _ tenantID: UUID, _ user: NewUser, passwordHash: String,
        on connection: PooledConnection, logger: Logger
    ) async throws -> User {
        do {
            let rows = try await connection.query(
                """
                INSERT INTO users (tenant_id, email, name, phone, role, status, password_hash)
                VALUES (\(tenantID), \(user.email), \(user.name), \(user.phone), \(user.role.rawValue),
                        \(user.status.rawValue), \(passwordHash))
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            guard let created = try await Self.users(from: rows).first else { throw AccountsError.userNotFound }
            return created
        } catch  where error.violatedUniqueConstraint == "users_tenant_email_key" {
            throw AccountsError.emailTaken
        }
    }

    /// Writes `user`'s editable fields (and a new password hash when given).
    public func update(
        _ tenantID: UUID, _ user: User, passwordHash: String? = nil,
        on connection: PooledConnection, logger: Logger
    ) async throws -> User {
        do {
            let rows = try await connection.query(
                """
                UPDATE users SET email = \(user.email), name = \(user.name), phone = \(user.phone),
                    role = \(user.role.rawValue), status = \(user.status.rawValue),
                    password_hash = coalesce(\(passwordHash), password_hash), updated_at = now()
                WHERE tenant_id = \(tenantID) AND id = \(user.id)
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            guard let updated = try await Self.users(from: rows).first else { throw AccountsError.userNotFound }
            return updated
        } catch  where error.violatedUniqueConstraint == "users_tenant_email_key" {
            throw AccountsError.emailTaken
        }
    }

    /// Locks and returns the ids of the tenant's active owners, so that concurrent
    /// demotions cannot together remove the last one.
    public func lockActiveOwners(_ tenantID: UUID, on connection: PooledConnection, logger: Logger) async throws -> [UUID] {
        let rows = try await connection.query(
            """
            SELECT id FROM users WHERE tenant_id = \(tenantID) AND role = 'owner' AND status = 'active'
            ORDER BY id FOR UPDATE
            """,
            logger: logger
        )
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    static func users(from rows: some AsyncSequence<PostgresRow, any Error>) async throws -> [User] {
        var users: [User] = []
        for try await row in rows { users.append(try user(from: row)) }
        return users
    }

    static func user(from row: PostgresRow) throws -> User {
        let columns = row.makeRandomAccess()
        let role = try columns[5].decode(String.self, context: .default)
        let status = try columns[6].decode(String.self, context: .default)
        return User(
            id: try columns[0].decode(UUID.self, context: .default),
            tenantID: try columns[1].decode(UUID.self, context: .default),
            email: try columns[2].decode(String.self, context: .default),
            name: try columns[3].decode(String.self, context: .default),
            phone: try columns[4].decode(String?.self, context: .default),
            role: Role(rawValue: role) ?? .customer,
            status: UserStatus(rawValue: status) ?? .disabled,
            createdAt: try columns[7].decode(Date.self, context: .default),
            updatedAt: try columns[8].decode(Date.self, context: .default)
        )
    }

    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}

/// Filters for listing users.
public struct UserFilter: Sendable {
    public var role: Role?
    public var status: UserStatus?
    /// Matched case-insensitively against email and name.
    public var search: String?

    public init(role: Role? = nil, status: UserStatus? = nil, search: String? = nil) {
        self.role = role
        self.status = status
        self.search = search
    }
}

/// What it takes to create a user.
public struct NewUser: Sendable {
    public var email: String
    public var name: String
    public var phone: String?
    public var role: Role
    public var status: UserStatus

    public init(email: String, name: String, phone: String? = nil, role: Role, status: UserStatus = .active) {
        self.email = email
        self.name = name
        self.phone = phone
        self.role = role
        self.status = status
    }
}
