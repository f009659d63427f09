/// Every metric the persistence layer records, named in one place.
public enum MetricNames {
    public static let databaseLeasesInUse = "switchboard_db_pool_leases_in_use"
    public static let databaseMaximumConnections = "switchboard_db_pool_max_connections"
    public static let databaseTransactionDuration = "switchboard_db_transaction_duration_seconds"
}
