internal import Foundation
internal import GRDB
internal import FTModel
internal import FTSync

/// A message's merge state, kept on its own row (see `Schema.moveMessageMergeState`): the stamp
/// (timestamp and operation id) of its content, of its body and of its deletion, beside the
/// values the row already holds. Sync's push reads it with the lookup it makes anyway to locate
/// the message, and writes it with the message; no second row, index or JSON per message.
///
/// A stamp column left NULL (a message written before sync, by the seed or an import, or before
/// the column existed) stands for the stamp a new device's snapshot gives that part
/// (`SnapshotStamp`), so that the server and its devices merge a later edit the same way.
enum MessageMergeState {
    /// The columns `Columns` reads, in order, on a message aliased `m`.
    static let columns = """
        m.conversationId, m.authorId, m.body, m.createdAt, m.editedAt, m.deletedAt, \
        m.contentHlc, m.contentOperation, m.bodyHlc, m.bodyOperation, m.deletionHlc, m.deletionOperation
        """

    /// A message row's values and stamps, as `columns` lists them (dates as stored).
    struct Columns {
        var conversation: Int64
        var author: Int64
        var body: String
        var createdAt: String
        var editedAt: String?
        var deletedAt: String?
        var contentHlc: String?
        var contentOperation: String?
        var bodyHlc: String?
        var bodyOperation: String?
        var deletionHlc: String?
        var deletionOperation: String?

        init(_ row: Row, startingAt index: Int) {
            conversation = row[index]
            author = row[index + 1]
            body = row[index + 2]
            createdAt = row[index + 3]
            editedAt = row[index + 4]
            deletedAt = row[index + 5]
            contentHlc = row[index + 6]
            contentOperation = row[index + 7]
            bodyHlc = row[index + 8]
            bodyOperation = row[index + 9]
            deletionHlc = row[index + 10]
            deletionOperation = row[index + 11]
        }

        init(_ statement: DirectStatement, startingAt index: Int32) {
            conversation = statement.int64(index)
            author = statement.int64(index + 1)
            body = statement.text(index + 2) ?? ""
            createdAt = statement.text(index + 3) ?? ""
            editedAt = statement.text(index + 4)
            deletedAt = statement.text(index + 5)
            contentHlc = statement.text(index + 6)
            contentOperation = statement.text(index + 7)
            bodyHlc = statement.text(index + 8)
            bodyOperation = statement.text(index + 9)
            deletionHlc = statement.text(index + 10)
            deletionOperation = statement.text(index + 11)
        }
    }

    /// The merge state of message `id`.
    static func state(_ columns: Columns, id: String) -> MessageState {
        let content = MessageState.Content(conversation: columns.conversation, author: columns.author)
        func stamp(_ hlc: String?, _ operation: String?) -> (HLCTimestamp, String)? {
            guard let hlc = hlc.flatMap(HLCTimestamp.init), let operation else { return nil }
            return (hlc, operation)
        }
        func legacy(_ date: String?, _ prefix: String) -> (HLCTimestamp, String)? {
            guard let date = date.flatMap({ Date.fromDatabaseValue($0.databaseValue) }) else { return nil }
            return (SnapshotStamp.of(date), SnapshotStamp.operation("\(prefix):\(id)"))
        }
        let created = stamp(columns.contentHlc, columns.contentOperation) ?? legacy(columns.createdAt, "m")
        let edited = stamp(columns.bodyHlc, columns.bodyOperation) ?? legacy(columns.editedAt, "me")
        let deleted = stamp(columns.deletionHlc, columns.deletionOperation) ?? legacy(columns.deletedAt, "md")
        var state = MessageState(content: created.map { Stamped(content, hlc: $0.0, operation: $0.1) }, body: nil, deletion: nil)
        if let (hlc, operation) = edited {
            state.body = Stamped(columns.body, hlc: hlc, operation: operation)
        } else if let (hlc, operation) = created {
            // What the snapshot's insert carries: its body, never empty.
            state.body = Stamped(SnapshotStamp.insertedBody(columns.body), hlc: hlc, operation: operation)
        }
        state.deletion = deleted.map { Stamped(true, hlc: $0.0, operation: $0.1) }
        return state
    }

    /// Writes a message's row, creating it if need be (`write` binds it). The author's role is
    /// read from `user` only when the writer does not know it.
    static let upsert = """
        INSERT INTO message (id, conversationId, authorId, body, createdAt, editedAt, deletedAt, hlc, authorRole,
            contentHlc, contentOperation, bodyHlc, bodyOperation, deletionHlc, deletionOperation)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, coalesce(?15, (SELECT role FROM user WHERE id = ?3)), ?9, ?10, ?11, ?12, ?13, ?14)
        ON CONFLICT (id) DO UPDATE SET body = excluded.body, editedAt = excluded.editedAt, deletedAt = excluded.deletedAt,
            hlc = excluded.hlc, contentHlc = excluded.contentHlc, contentOperation = excluded.contentOperation,
            bodyHlc = excluded.bodyHlc, bodyOperation = excluded.bodyOperation,
            deletionHlc = excluded.deletionHlc, deletionOperation = excluded.deletionOperation
        """

    /// Writes `state` of message `id` into its row with `upsert`, creating the row if need be.
    /// `stamp`: the pushed operation's timestamp texts (the usual case: its stamps are the
    /// operation's). `authorRole`: the author's role when the caller knows it (the pushing actor
    /// is the author of the message it creates). Nothing is written before the message's insert
    /// has arrived (no content yet).
    static func write(_ state: MessageState, id: String, stamp: StampTexts, authorRole: String?, with upsert: DirectStatement) throws {
        guard let content = state.content else { return }
        let latest = [state.content?.hlc, state.body?.hlc, state.deletion?.hlc].compactMap { $0 }.max() ?? content.hlc
        upsert.reset()
        upsert.bind(1, id)
        upsert.bind(2, content.value.conversation)
        upsert.bind(3, content.value.author)
        upsert.bind(4, state.visibleBody)
        upsert.bind(5, stamp.date(of: content.hlc))
        upsert.bind(6, state.isEdited ? state.body.map { stamp.date(of: $0.hlc) } : nil)
        upsert.bind(7, state.deletion.map { stamp.date(of: $0.hlc) })
        upsert.bind(8, stamp.text(of: latest))
        upsert.bind(9, stamp.text(of: content.hlc))
        upsert.bind(10, content.operation)
        upsert.bind(11, state.body.map { stamp.text(of: $0.hlc) })
        upsert.bind(12, state.body?.operation)
        upsert.bind(13, state.deletion.map { stamp.text(of: $0.hlc) })
        upsert.bind(14, state.deletion?.operation)
        upsert.bind(15, authorRole)
        try upsert.execute()
    }
}

/// How a snapshot writes a row's values as operations (`AppDatabase.snapshot`), which a message
/// row's missing stamps stand for (`MessageMergeState`): both must say the same.
enum SnapshotStamp {
    /// The timestamp of a row's date (millisecond precision, node "server").
    static func of(_ date: Date) -> HLCTimestamp {
        HLCTimestamp(milliseconds: DatabaseDate.milliseconds(date), node: "server")
    }

    /// The id of the snapshot operation `key` (`m:<message>` for a message's insert, `me:` its
    /// edit, `md:` its deletion…).
    static func operation(_ key: String) -> String {
        "snapshot:\(key)"
    }

    /// The body a message's snapshot insert carries: never empty (a deleted message's is).
    static func insertedBody(_ body: String) -> String {
        body.isEmpty ? "…" : body
    }
}
