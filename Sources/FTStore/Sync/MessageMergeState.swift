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
    /// The columns `state(_:startingAt:id:)` reads, in order, on a message aliased `m`.
    static let columns = """
        m.conversationId, m.authorId, m.body, m.createdAt, m.editedAt, m.deletedAt, \
        m.contentHlc, m.contentOperation, m.bodyHlc, m.bodyOperation, m.deletionHlc, m.deletionOperation
        """

    /// The merge state of message `id` from `columns` read at `index` of `row`.
    static func state(_ row: Row, startingAt index: Int, id: String) -> MessageState {
        let content = MessageState.Content(conversation: row[index], author: row[index + 1])
        let body: String = row[index + 2]
        func stamp(_ hlcColumn: Int, _ operationColumn: Int) -> (HLCTimestamp, String)? {
            guard let text: String = row[hlcColumn], let hlc = HLCTimestamp(text), let operation: String = row[operationColumn] else { return nil }
            return (hlc, operation)
        }
        func legacy(_ dateColumn: Int, _ prefix: String) -> (HLCTimestamp, String)? {
            let date: Date? = row[dateColumn]
            return date.map { (SnapshotStamp.of($0), "snapshot:\(prefix):\(id)") }
        }
        let created = stamp(index + 6, index + 7) ?? legacy(index + 3, "m")
        let written = stamp(index + 8, index + 9)
        let edited = written ?? legacy(index + 4, "me")
        let deleted = stamp(index + 10, index + 11) ?? legacy(index + 5, "md")
        var state = MessageState(content: created.map { Stamped(content, hlc: $0.0, operation: $0.1) }, body: nil, deletion: nil)
        if let (hlc, operation) = edited {
            state.body = Stamped(body, hlc: hlc, operation: operation)
        } else if let (hlc, operation) = created {
            // What the snapshot's insert carries: its body, never empty.
            state.body = Stamped(body.isEmpty ? "…" : body, hlc: hlc, operation: operation)
        }
        state.deletion = deleted.map { Stamped(true, hlc: $0.0, operation: $0.1) }
        return state
    }

    /// Writes `state` of message `id` into its row, creating the row if need be. `stamp`: the
    /// pushed operation's timestamp texts (the usual case: its stamps are the operation's).
    /// Nothing is written before the message's insert has arrived (no content yet).
    static func write(_ state: MessageState, id: String, stamp: StampTexts, db: Database) throws {
        guard let content = state.content else { return }
        let latest = [state.content?.hlc, state.body?.hlc, state.deletion?.hlc].compactMap { $0 }.max() ?? content.hlc
        try db.cachedStatement(sql: """
            INSERT INTO message (id, conversationId, authorId, body, createdAt, editedAt, deletedAt, hlc, authorRole,
                contentHlc, contentOperation, bodyHlc, bodyOperation, deletionHlc, deletionOperation)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT role FROM user WHERE id = ?3), ?9, ?10, ?11, ?12, ?13, ?14)
            ON CONFLICT (id) DO UPDATE SET body = excluded.body, editedAt = excluded.editedAt, deletedAt = excluded.deletedAt,
                hlc = excluded.hlc, contentHlc = excluded.contentHlc, contentOperation = excluded.contentOperation,
                bodyHlc = excluded.bodyHlc, bodyOperation = excluded.bodyOperation,
                deletionHlc = excluded.deletionHlc, deletionOperation = excluded.deletionOperation
            """).execute(arguments: [
                id, content.value.conversation, content.value.author, state.visibleBody, stamp.date(of: content.hlc),
                state.isEdited ? state.body.map { stamp.date(of: $0.hlc) } : nil, state.deletion.map { stamp.date(of: $0.hlc) },
                stamp.text(of: latest),
                stamp.text(of: content.hlc), content.operation,
                state.body.map { stamp.text(of: $0.hlc) }, state.body?.operation,
                state.deletion.map { stamp.text(of: $0.hlc) }, state.deletion?.operation,
            ])
    }
}

/// The timestamp a snapshot gives a row's date (millisecond precision, node "server").
enum SnapshotStamp {
    static func of(_ date: Date) -> HLCTimestamp {
        HLCTimestamp(milliseconds: Int64((date.timeIntervalSince1970 * 1_000).rounded(.down)), node: "server")
    }
}
