internal import Foundation
internal import GRDB
internal import FTSync

extension Schema {
    /// A message's merge state moves from `syncRecord` onto the message's row
    /// (`MessageMergeState`): the timestamp and operation id of its content, body and deletion.
    ///
    /// Each pushed message had written two more b-trees (`syncRecord` and its dossier index) and
    /// a JSON text of its state, beside the message row that already holds its values, and read
    /// `syncRecord` back although the locator had just read the row.
    ///
    /// Existing states are copied across. A state with no content is an edit or deletion of a
    /// message written before sync (the seed, an import): it had been logged but never reached
    /// the message row, because the projection waited for a content that was never going to
    /// arrive. It is merged now with the row's own state and written to the row.
    static func moveMessageMergeState(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE message ADD COLUMN contentHlc TEXT;
            ALTER TABLE message ADD COLUMN contentOperation TEXT;
            ALTER TABLE message ADD COLUMN bodyHlc TEXT;
            ALTER TABLE message ADD COLUMN bodyOperation TEXT;
            ALTER TABLE message ADD COLUMN deletionHlc TEXT;
            ALTER TABLE message ADD COLUMN deletionOperation TEXT;
            """)
        let decoder = JSONDecoder()
        let upsert = try DirectStatement(db, sql: MessageMergeState.upsert)
        let orphans = try Row.fetchAll(db, sql: """
            SELECT r.record, r.state, \(MessageMergeState.columns) FROM syncRecord r JOIN message m ON m.id = r.record
            WHERE r.collection = 'message' AND json_extract(r.state, '$.message._0.content') IS NULL
            """)
        for row in orphans {
            let id: String = row[0]
            let text: String = row[1]
            guard case .message(let stored) = try decoder.decode(RecordState.self, from: Data(text.utf8)) else { continue }
            let merged = RecordState.message(MessageMergeState.state(.init(row, startingAt: 2), id: id)).merged(with: .message(stored))
            guard case .message(let state) = merged else { continue }
            let latest = [state.content?.hlc, state.body?.hlc, state.deletion?.hlc].compactMap { $0 }.max()
            guard let latest else { continue }
            try MessageMergeState.write(state, id: id, stamp: StampTexts(latest), authorRole: nil, with: upsert)
        }
        try db.execute(sql: """
            UPDATE message SET
                contentHlc = json_extract(r.state, '$.message._0.content.hlc'),
                contentOperation = json_extract(r.state, '$.message._0.content.operation'),
                bodyHlc = json_extract(r.state, '$.message._0.body.hlc'),
                bodyOperation = json_extract(r.state, '$.message._0.body.operation'),
                deletionHlc = json_extract(r.state, '$.message._0.deletion.hlc'),
                deletionOperation = json_extract(r.state, '$.message._0.deletion.operation')
            FROM syncRecord r
            WHERE r.collection = 'message' AND r.record = message.id AND json_extract(r.state, '$.message._0.content') IS NOT NULL;
            DELETE FROM syncRecord WHERE collection = 'message';
            """)
    }
}
