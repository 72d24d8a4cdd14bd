internal import GRDB

extension Schema {
    /// `message_conversationId` (conversationId, createdAt) is dropped: `message_authorRole`
    /// (conversationId, authorRole, createdAt) serves the same seeks and the foreign key to
    /// `conversation`, and every reader of a conversation's messages sorts a handful of rows
    /// (the snapshot and the export sort across conversations anyway). Each pushed message
    /// writes one b-tree fewer: batches of 100 used 10-15 % less server CPU per operation
    /// (about 55 -> 49 µs) on the bench's database; the admin reports took 4.2-4.5 s either way.
    static func dropMessageConversationIndex(_ db: Database) throws {
        try db.execute(sql: "DROP INDEX message_conversationId")
    }
}
