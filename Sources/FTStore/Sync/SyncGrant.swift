internal import Foundation
internal import GRDB
public import FTSync
public import FTModel

/// An expert who is offered a dossier starts seeing it, but their devices' cursors may already
/// be past the dossier's earlier changes (its steps, the messages before it changed hands): those
/// were left out of their pulls and live frames, which follow what the user could see then. So
/// each offer logs a *grant*: an `offer` change with no fields, owned by the expert (only they
/// receive it; devices ignore it, having no answer to merge). A pull whose cursor is before one of
/// its user's grants is answered like a pull before the compacted log — a reset with the
/// snapshot of everything the user sees now — and the live channel asks a connection that meets
/// a grant to do that pull (`cursor_compacted`).
enum SyncGrant {
    static func log(assignment: Int64, user: Int64, now: Date, db: Database) throws {
        let stamp = HLCTimestamp(milliseconds: DatabaseDate.milliseconds(now), node: "server")
        try db.cachedStatement(sql: """
            INSERT INTO syncChange (operationId, collection, record, action, fields, hlc, actorId, actorRole, dossierId, receivedAt, ownerId)
            VALUES (?, 'offer', ?, 'update', '{}', ?, NULL, 'admin', NULL, ?, ?)
            """).execute(arguments: ["server:grant:\(assignment)", String(assignment), stamp.description, DatabaseDate.string(from: now), user])
    }

    /// Whether `user` was granted a dossier after `cursor`.
    static func granted(after cursor: Int64, user: Int64, db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM syncChange WHERE ownerId = ? AND seq > ? AND collection = 'offer')
            """), arguments: [user, cursor]) ?? false
    }
}

extension LoggedChange {
    /// The user this change grants a dossier to (`SyncGrant`: their devices must pull a fresh
    /// snapshot), or nil when it is not a grant.
    public var grantedUser: Int64? {
        change.operation.collection == .offer && change.operation.fields.isEmpty ? ownerId : nil
    }
}

extension AppDatabase {
    /// Whether `actor` was granted a dossier after `cursor` (0: a device starting from nothing
    /// gets everything anyway). The compacted log is the caller's other reason for a snapshot.
    public func wasGranted(after cursor: Int64, for actor: SyncActor) throws -> Bool {
        guard cursor > 0, actor.role != .admin else { return false }
        return try writer.read { db in try SyncGrant.granted(after: cursor, user: actor.user, db: db) }
    }
}
