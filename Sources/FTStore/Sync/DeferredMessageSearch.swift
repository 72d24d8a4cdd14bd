internal import GRDB

/// Message indexing deferred to the end of a write transaction (see
/// `Schema.createMessageSearchDeferral`): between `begin` and `finish`, new and edited messages are
/// only listed; `finish` indexes them all at once. Both must run in the same transaction.
enum DeferredMessageSearch {
    static func begin(_ db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO messageSearchDeferral (id) VALUES (1)").execute()
    }

    static func finish(_ db: Database) throws {
        // CROSS JOIN keeps the few pending rows as the outer loop (the planner otherwise scanned
        // every message).
        try db.cachedStatement(sql: """
            INSERT INTO messageSearch(rowid, body)
            SELECT m.rowid, m.body FROM messageSearchPending p CROSS JOIN message m ON m.rowid = p.messageRowid
            WHERE m.deletedAt IS NULL
            """).execute()
        try db.cachedStatement(sql: "DELETE FROM messageSearchPending").execute()
        try db.cachedStatement(sql: "DELETE FROM messageSearchDeferral").execute()
    }
}
