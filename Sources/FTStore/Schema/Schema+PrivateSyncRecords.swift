internal import GRDB

extension Schema {
    /// Records that belong to a user rather than to a dossier: notification preferences sync
    /// (collection `preference`, record `"<user>:<kind>:<channel>"`).
    ///
    /// - `syncChange` is rebuilt (a check cannot change in place; same columns, rows and sequence
    ///   counter, as `reduceSyncWriteCost` did): `dossierId` may be NULL, a new `ownerId` names the
    ///   user a private change belongs to, and exactly one of the two is set. Row-level security
    ///   reads `ownerId` the way it reads `dossierId`; the change goes with its owner (CASCADE).
    /// - `notificationPreference` keeps its merge state on its row, as messages do: the stamp
    ///   (`hlc`) and operation id of the write that won. A row written outside sync (the seed, an
    ///   unsubscribe link before this version) has none.
    static func createPrivateSyncRecords(_ db: Database) throws {
        let sequence = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'syncChange'") ?? 0
        try db.execute(sql: """
            CREATE TABLE syncChange_rebuilt (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                operationId TEXT NOT NULL CONSTRAINT sync_change_operation_unique UNIQUE
                    CONSTRAINT sync_change_operation_id CHECK (length(operationId) BETWEEN 1 AND 64),
                collection TEXT NOT NULL CONSTRAINT sync_change_collection
                    CHECK (collection = 'message' OR collection = 'readReceipt' OR collection = 'rating'
                        OR collection = 'document' OR collection = 'documentVersion' OR collection = 'step' OR collection = 'preference'),
                record TEXT NOT NULL,
                action TEXT NOT NULL CONSTRAINT sync_change_action CHECK (action = 'insert' OR action = 'update' OR action = 'delete'),
                fields TEXT NOT NULL CONSTRAINT sync_change_fields CHECK (json_valid(fields)),
                hlc TEXT NOT NULL,
                actorId INTEGER REFERENCES user(id) ON DELETE SET NULL,
                actorRole TEXT NOT NULL CONSTRAINT sync_change_actor_role
                    CHECK (actorRole = 'client' OR actorRole = 'expert' OR actorRole = 'admin'),
                dossierId INTEGER REFERENCES dossier(id) ON DELETE CASCADE,
                receivedAt DATETIME NOT NULL,
                ownerId INTEGER REFERENCES user(id) ON DELETE CASCADE,
                CONSTRAINT sync_change_scope CHECK ((dossierId IS NULL) <> (ownerId IS NULL))
            );
            INSERT INTO syncChange_rebuilt (seq, operationId, collection, record, action, fields, hlc, actorId, actorRole, dossierId, receivedAt)
            SELECT seq, operationId, collection, record, action, fields, hlc, actorId, actorRole, dossierId, receivedAt FROM syncChange ORDER BY seq;
            DROP TABLE syncChange;
            ALTER TABLE syncChange_rebuilt RENAME TO syncChange;
            CREATE INDEX syncChange_dossierId ON syncChange(dossierId, seq);
            CREATE INDEX syncChange_actorId ON syncChange(actorId);
            CREATE INDEX syncChange_ownerId ON syncChange(ownerId, seq) WHERE ownerId IS NOT NULL;

            ALTER TABLE notificationPreference ADD COLUMN hlc TEXT;
            ALTER TABLE notificationPreference ADD COLUMN operationId TEXT;
            """)
        try db.execute(sql: """
            INSERT INTO sqlite_sequence (name, seq) SELECT 'syncChange', ?
            WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'syncChange')
            """, arguments: [sequence])
        try db.execute(sql: "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'syncChange'", arguments: [sequence])
    }
}
