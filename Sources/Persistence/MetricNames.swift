/// Every metric the persistence layer records, named in one place.
public enum MetricNames {
    public static let databaseLeasesInUse = "switchboard_db_pool_leases_in_use"
    public static let databaseMaximumConnections = "switchboard_db_pool_max_connections"
    public static let databaseTransactionDuration = "switchboard_db_transaction_duration_seconds"
    /// Prepared statements meant to be sent ahead that had to be waited for instead.
    public static let databaseStatementsNotSentAhead = "switchboard_db_statements_not_sent_ahead_total"
}
