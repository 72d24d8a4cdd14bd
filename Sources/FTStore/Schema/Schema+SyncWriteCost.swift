internal import GRDB

extension Schema {
    /// Less work per pushed operation, same rules.
    ///
    /// - `syncChange`'s checks of its collection, action and actor role are written as comparisons
    ///   joined by OR instead of `IN (…)` lists. SQLite builds a temporary b-tree for each `IN` list
    ///   of more than two values every time a statement runs, so each logged operation opened and
    ///   closed three of them (4 µs of the 25 µs that SQLite spent on a pushed message). A check
    ///   cannot be changed in place: the table is rebuilt with the same columns, rows, names and
    ///   sequence counter.
    /// - `syncChange_record` is gone: no query reads the log by record.
    /// - The message-search triggers note a pending message with `ON CONFLICT DO NOTHING` instead
    ///   of `INSERT … SELECT … WHERE NOT EXISTS` on the same table, which SQLite also runs through
    ///   a temporary b-tree.
    static func reduceSyncWriteCost(_ db: Database) throws {
        let sequence = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'syncChange'") ?? 0
        try db.execute(sql: """
            CREATE TABLE syncChange_rebuilt (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                operationId TEXT NOT NULL CONSTRAINT sync_change_operation_unique UNIQUE
                    CONSTRAINT sync_change_operation_id CHECK (length(operationId) BETWEEN 1 AND 64),
                collection TEXT NOT NULL CONSTRAINT sync_change_collection
                    CHECK (collection = 'message' OR collection = 'readReceipt' OR collection = 'rating'
                        OR collection = 'document' OR collection = 'documentVersion' OR collection = 'step'),
                record TEXT NOT NULL,
                action TEXT NOT NULL CONSTRAINT sync_change_action CHECK (action = 'insert' OR action = 'update' OR action = 'delete'),
                fields TEXT NOT NULL CONSTRAINT sync_change_fields CHECK (json_valid(fields)),
                hlc TEXT NOT NULL,
                actorId INTEGER REFERENCES user(id) ON DELETE SET NULL,
                actorRole TEXT NOT NULL CONSTRAINT sync_change_actor_role
                    CHECK (actorRole = 'client' OR actorRole = 'expert' OR actorRole = 'admin'),
                dossierId INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
                receivedAt DATETIME NOT NULL
            );
            INSERT INTO syncChange_rebuilt (seq, operationId, collection, record, action, fields, hlc, actorId, actorRole, dossierId, receivedAt)
            SELECT seq, operationId, collection, record, action, fields, hlc, actorId, actorRole, dossierId, receivedAt FROM syncChange ORDER BY seq;
            DROP TABLE syncChange;
            ALTER TABLE syncChange_rebuilt RENAME TO syncChange;
            CREATE INDEX syncChange_dossierId ON syncChange(dossierId, seq);
            CREATE INDEX syncChange_actorId ON syncChange(actorId);

            DROP TRIGGER message_search_insert_deferred;
            DROP TRIGGER message_search_update_deferred;
            CREATE TRIGGER message_search_insert_deferred AFTER INSERT ON message
            WHEN new.deletedAt IS NULL AND EXISTS (SELECT 1 FROM messageSearchDeferral) BEGIN
                INSERT INTO messageSearchPending(messageRowid) VALUES (new.rowid) ON CONFLICT DO NOTHING;
            END;
            CREATE TRIGGER message_search_update_deferred AFTER UPDATE OF body, deletedAt ON message
            WHEN EXISTS (SELECT 1 FROM messageSearchDeferral) BEGIN
                INSERT INTO messageSearch(messageSearch, rowid, body) SELECT 'delete', old.rowid, old.body
                WHERE old.deletedAt IS NULL AND NOT EXISTS (SELECT 1 FROM messageSearchPending WHERE messageRowid = old.rowid);
                INSERT INTO messageSearchPending(messageRowid) VALUES (new.rowid) ON CONFLICT DO NOTHING;
            END;
            """)
        // A log compacted down to nothing has no row left to carry its counter: sequence numbers
        // are pull cursors and must never be handed out twice.
        try db.execute(sql: """
            INSERT INTO sqlite_sequence (name, seq) SELECT 'syncChange', ?
            WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'syncChange')
            """, arguments: [sequence])
        try db.execute(sql: "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'syncChange'", arguments: [sequence])
    }
}
