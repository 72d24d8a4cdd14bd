internal import GRDB

extension Schema {
    /// Compaction of the sync log (see `AppDatabase.compactSyncLog`).
    ///
    /// - `syncHorizon`: at most one row, the newest sequence number removed from `syncChange`. A
    ///   device whose cursor is below it gets a fresh snapshot instead of the log.
    /// - `syncCompacted`: the ids of removed operations and their sequence numbers, so that a
    ///   device retrying one long after gets the answer it got then, not a second application.
    /// - `syncRecord.firstSeq`: for a record created by an insert through sync, the sequence
    ///   number of that insert. While the log is not compacted past it, the log alone holds the
    ///   record's whole story and a snapshot leaves it out (a new device would get it twice).
    static func createCompaction(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE syncHorizon (
                seq INTEGER NOT NULL,
                compactedAt DATETIME NOT NULL
            );
            CREATE TABLE syncCompacted (
                operationId TEXT PRIMARY KEY NOT NULL,
                seq INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX syncRejection_receivedAt ON syncRejection(receivedAt);
            ALTER TABLE syncRecord ADD COLUMN firstSeq INTEGER;
            """)
    }
}
