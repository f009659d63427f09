import PostgresNIO

extension Error {
    /// The name of the unique constraint or index this error violated, if it is one.
    public var violatedUniqueConstraint: String? {
        guard let error = self as? PSQLError, error.serverInfo?[.sqlState] == "23505" else { return nil }
        return error.serverInfo?[.constraintName] ?? ""
    }
}
