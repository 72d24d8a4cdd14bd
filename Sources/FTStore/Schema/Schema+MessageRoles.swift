internal import GRDB

extension Schema {
    /// The author's role on each message, and an index by conversation, role and time: a
    /// conversation's first client question and first expert answer are then two index seeks
    /// (the dashboard and the reports read them for every conversation; joining every message
    /// to its author took most of a second on the 10,000-expert database).
    ///
    /// Filled for existing messages here; sync's projection writes it with each new message, and
    /// a trigger fills it for any other writer (the seed, the tests). Also
    /// indexes on the dates the dashboard counts by (dossiers opened and closed per window).
    static func createMessageRoles(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE message ADD COLUMN authorRole TEXT;
            UPDATE message SET authorRole = (SELECT role FROM user WHERE user.id = message.authorId);
            CREATE INDEX message_authorRole ON message(conversationId, authorRole, createdAt);
            CREATE INDEX dossier_createdAt ON dossier(createdAt);
            CREATE INDEX dossier_closedAt ON dossier(closedAt) WHERE closedAt IS NOT NULL;
            CREATE TRIGGER message_author_role AFTER INSERT ON message WHEN new.authorRole IS NULL BEGIN
                UPDATE message SET authorRole = (SELECT role FROM user WHERE id = new.authorId) WHERE rowid = new.rowid;
            END;
            """)
    }
}
