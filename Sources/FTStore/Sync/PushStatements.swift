internal import GRDB

/// The statements sync's push runs for every operation, looked up once per transaction and run
/// through SQLite's C functions (`DirectStatement`).
final class PushStatements {
    private let db: Database
    private var logChangeStatement: DirectStatement?
    private var findMessageStatement: DirectStatement?
    private var writeMessageStatement: DirectStatement?

    init(_ db: Database) {
        self.db = db
    }

    /// Appends an accepted operation to the log (`syncChange`), parameters in column order.
    func logChange() throws -> DirectStatement {
        try prepared(&logChangeStatement, """
            INSERT INTO syncChange (operationId, collection, record, action, fields, hlc, actorId, actorRole, dossierId, receivedAt, ownerId)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    /// A message's dossier, author and merge state (`MessageMergeState.Columns` from column 2).
    func findMessage() throws -> DirectStatement {
        try prepared(&findMessageStatement, """
            SELECT c.dossierId, m.authorId, \(MessageMergeState.columns) FROM message m JOIN conversation c ON c.id = m.conversationId WHERE m.id = ?
            """)
    }

    /// `MessageMergeState.upsert`.
    func writeMessage() throws -> DirectStatement {
        try prepared(&writeMessageStatement, MessageMergeState.upsert)
    }

    private func prepared(_ slot: inout DirectStatement?, _ sql: @autoclosure () -> String) throws -> DirectStatement {
        if let slot { return slot }
        let statement = try DirectStatement(db, sql: sql())
        slot = statement
        return statement
    }
}
