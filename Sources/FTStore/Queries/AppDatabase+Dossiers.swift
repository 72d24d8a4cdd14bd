internal import GRDB
public import FTModel

extension AppDatabase {
    public func products() throws -> [EligibleProduct] {
        try writer.read { db in try EligibleProduct.order(sql: "name").fetchAll(db) }
    }

    /// A client's dossiers, newest first.
    public func dossiers(clientId: Int64) throws -> [Dossier] {
        try writer.read { db in
            try Dossier.fetchAll(db, sql: "SELECT * FROM dossier WHERE clientId = ? ORDER BY createdAt DESC, id DESC", arguments: [clientId])
        }
    }

    /// An expert's assignments, newest request first.
    public func assignments(expertId: Int64) throws -> [ExpertAssignment] {
        try writer.read { db in
            try ExpertAssignment.fetchAll(db, sql: "SELECT * FROM expertAssignment WHERE expertId = ? ORDER BY requestedAt DESC, id DESC", arguments: [expertId])
        }
    }

    public func assignments(dossierId: Int64) throws -> [ExpertAssignment] {
        try writer.read { db in
            try ExpertAssignment.fetchAll(db, sql: "SELECT * FROM expertAssignment WHERE dossierId = ? ORDER BY requestedAt, id", arguments: [dossierId])
        }
    }

    public func steps(dossierId: Int64) throws -> [DossierStep] {
        try writer.read { db in
            try DossierStep.fetchAll(db, sql: "SELECT * FROM dossierStep WHERE dossierId = ? ORDER BY position", arguments: [dossierId])
        }
    }

    public func conversation(dossierId: Int64) throws -> Conversation? {
        try writer.read { db in try Conversation.filter(sql: "dossierId = ?", arguments: [dossierId]).fetchOne(db) }
    }

    /// A conversation's messages in order, tombstones included.
    public func messages(conversationId: Int64) throws -> [Message] {
        try writer.read { db in
            try Message.fetchAll(db, sql: "SELECT * FROM message WHERE conversationId = ? ORDER BY createdAt, id", arguments: [conversationId])
        }
    }

    /// Messages whose body matches a full-text query, limited to the given conversations.
    public func searchMessages(_ text: String, conversationIds: [Int64], limit: Int = 50) throws -> [Message] {
        guard let pattern = FullTextQuery.pattern(text), !conversationIds.isEmpty else { return [] }
        return try writer.read { db in
            let placeholders = databaseQuestionMarks(count: conversationIds.count)
            return try Message.fetchAll(db, sql: """
                SELECT message.* FROM messageSearch JOIN message ON message.rowid = messageSearch.rowid
                WHERE messageSearch MATCH ? AND message.conversationId IN (\(placeholders))
                ORDER BY bm25(messageSearch), message.createdAt LIMIT ?
                """, arguments: [pattern] + StatementArguments(conversationIds) + [limit])
        }
    }

    public func documents(dossierId: Int64) throws -> [Document] {
        try writer.read { db in
            try Document.fetchAll(db, sql: "SELECT * FROM document WHERE dossierId = ? ORDER BY createdAt, id", arguments: [dossierId])
        }
    }

    /// A document's versions, oldest first; the last one is current.
    public func versions(documentId: String) throws -> [DocumentVersion] {
        try writer.read { db in
            try DocumentVersion.fetchAll(db, sql: "SELECT * FROM documentVersion WHERE documentId = ? ORDER BY hlc, id", arguments: [documentId])
        }
    }
}
