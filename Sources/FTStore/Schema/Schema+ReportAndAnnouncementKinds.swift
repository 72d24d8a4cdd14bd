internal import GRDB
internal import Foundation

extension Schema {
    /// Two more things to be told about: a scheduled report (`report_daily`, `report_weekly`,
    /// `report_monthly`, e-mailed with its files to the admins who asked for it) and an admin's
    /// announcement to a segment (`announcement`, kept in its own table with the segment it went
    /// to). The kind CHECKs of `notification` and `notificationPreference` are widened by
    /// rebuilding both tables (SQLite cannot alter a CHECK); their other columns, indexes and rows
    /// stay as they are.
    static func addReportAndAnnouncementKinds(_ db: Database) throws {
        let old = "'new_expert', 'system')"
        let new = "'new_expert', 'system', 'report_daily', 'report_weekly', 'report_monthly', 'announcement')"
        for table in ["notification", "notificationPreference"] {
            try widenCheck(db, table: table, replacing: old, with: new)
        }
        try db.execute(sql: """
            CREATE TABLE announcement (
                id INTEGER PRIMARY KEY,
                authorId INTEGER REFERENCES user(id) ON DELETE SET NULL,
                title TEXT NOT NULL CONSTRAINT announcement_title CHECK (length(title) BETWEEN 1 AND 120),
                body TEXT NOT NULL CONSTRAINT announcement_body CHECK (length(body) BETWEEN 1 AND 4000),
                segment TEXT NOT NULL CONSTRAINT announcement_segment CHECK (json_valid(segment)),
                channels TEXT NOT NULL,
                recipients INTEGER NOT NULL,
                createdAt DATETIME NOT NULL
            );
            CREATE INDEX announcement_createdAt ON announcement(createdAt);
            CREATE INDEX announcement_authorId ON announcement(authorId);
            """)
    }

    /// Rebuilds `table` with `old` replaced by `new` in its `CREATE TABLE` (a CHECK made wider),
    /// keeping its rows and its indexes. Tables referring to it keep referring to it by name.
    static func widenCheck(_ db: Database, table: String, replacing old: String, with new: String) throws {
        guard let create = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table]),
            create.contains(old)
        else { throw DatabaseError(message: "migration: the table \(table) does not have the CHECK it should widen (\(old))") }
        let indexes = try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", arguments: [table])
        let temporary = table + "_widened"
        guard let name = create.range(of: "CREATE TABLE \(table) (") else {
            throw DatabaseError(message: "migration: the table \(table) is not written as this migration expects")
        }
        let rebuilt = create.replacingCharacters(in: name, with: "CREATE TABLE \(temporary) (").replacingOccurrences(of: old, with: new)
        try db.execute(sql: rebuilt)
        try db.execute(sql: "INSERT INTO \(temporary) SELECT * FROM \(table)")
        try db.execute(sql: "DROP TABLE \(table)")
        try db.execute(sql: "ALTER TABLE \(temporary) RENAME TO \(table)")
        for index in indexes { try db.execute(sql: index) }
    }
}
