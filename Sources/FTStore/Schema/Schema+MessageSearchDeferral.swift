internal import GRDB

extension Schema {
    /// Message indexing that a writer may defer to the end of its transaction.
    ///
    /// FTS5 writes what it holds in memory to a new segment at every savepoint, and SQLite opens a
    /// statement savepoint for nearly every write inside a transaction: a push of 400 messages
    /// wrote 400 tiny segments (and merged them) instead of one. A writer that sets
    /// `messageSearchDeferral` (sync's push) has new and edited messages listed in
    /// `messageSearchPending` by the triggers instead, and indexes them all with one statement
    /// before it commits (`AppDatabase.indexPendingMessages`). Every other writer is unchanged: with
    /// no deferral row, the triggers index at once as before.
    ///
    /// A pending message is not in the index yet, so its edits and deletion remove nothing from it.
    /// (No `INSERT OR IGNORE` in the triggers: the conflict rule of the statement that fires a
    /// trigger replaces the trigger's own, and sync's upsert of a message has none.)
    static func createMessageSearchDeferral(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE messageSearchDeferral (id INTEGER PRIMARY KEY);
            CREATE TABLE messageSearchPending (messageRowid INTEGER PRIMARY KEY);
            DROP TRIGGER message_search_insert;
            DROP TRIGGER message_search_delete;
            DROP TRIGGER message_search_update_old;
            DROP TRIGGER message_search_update_new;
            CREATE TRIGGER message_search_insert AFTER INSERT ON message
            WHEN new.deletedAt IS NULL AND NOT EXISTS (SELECT 1 FROM messageSearchDeferral) BEGIN
                INSERT INTO messageSearch(rowid, body) VALUES (new.rowid, new.body);
            END;
            CREATE TRIGGER message_search_insert_deferred AFTER INSERT ON message
            WHEN new.deletedAt IS NULL AND EXISTS (SELECT 1 FROM messageSearchDeferral) BEGIN
                INSERT INTO messageSearchPending(messageRowid) SELECT new.rowid
                WHERE NOT EXISTS (SELECT 1 FROM messageSearchPending WHERE messageRowid = new.rowid);
            END;
            CREATE TRIGGER message_search_delete AFTER DELETE ON message BEGIN
                INSERT INTO messageSearch(messageSearch, rowid, body) SELECT 'delete', old.rowid, old.body
                WHERE old.deletedAt IS NULL AND NOT EXISTS (SELECT 1 FROM messageSearchPending WHERE messageRowid = old.rowid);
                DELETE FROM messageSearchPending WHERE messageRowid = old.rowid;
            END;
            CREATE TRIGGER message_search_update AFTER UPDATE OF body, deletedAt ON message
            WHEN NOT EXISTS (SELECT 1 FROM messageSearchDeferral) BEGIN
                INSERT INTO messageSearch(messageSearch, rowid, body) SELECT 'delete', old.rowid, old.body WHERE old.deletedAt IS NULL;
                INSERT INTO messageSearch(rowid, body) SELECT new.rowid, new.body WHERE new.deletedAt IS NULL;
            END;
            CREATE TRIGGER message_search_update_deferred AFTER UPDATE OF body, deletedAt ON message
            WHEN EXISTS (SELECT 1 FROM messageSearchDeferral) BEGIN
                INSERT INTO messageSearch(messageSearch, rowid, body) SELECT 'delete', old.rowid, old.body
                WHERE old.deletedAt IS NULL AND NOT EXISTS (SELECT 1 FROM messageSearchPending WHERE messageRowid = old.rowid);
                INSERT INTO messageSearchPending(messageRowid) SELECT new.rowid
                WHERE NOT EXISTS (SELECT 1 FROM messageSearchPending WHERE messageRowid = new.rowid);
            END;
            """)
    }
}
