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
        if let logChangeStatement { return logChangeStatement }
        let statement = try DirectStatement(db, sql: """
            INSERT INTO syncChange (operationId, collection, record, action, fields, hlc, actorId, actorRole, dossierId, receivedAt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        logChangeStatement = statement
        return statement
    }

    /// A message's dossier, author and merge state (`MessageMergeState.Columns` from column 2).
    func findMessage() throws -> DirectStatement {
        if let findMessageStatement { return findMessageStatement }
        let statement = try DirectStatement(db, sql: """
            SELECT c.dossierId, m.authorId, \(MessageMergeState.columns) FROM message m JOIN conversation c ON c.id = m.conversationId WHERE m.id = ?
            """)
        findMessageStatement = statement
        return statement
    }

    /// `MessageMergeState.upsert`.
    func writeMessage() throws -> DirectStatement {
        if let writeMessageStatement { return writeMessageStatement }
        let statement = try DirectStatement(db, sql: MessageMergeState.upsert)
        writeMessageStatement = statement
        return statement
    }
}
