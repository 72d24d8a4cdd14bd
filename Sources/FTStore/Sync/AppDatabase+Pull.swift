internal import Foundation
internal import GRDB
internal import FTModel
public import FTSync

/// One accepted change, as a device receives it.
public struct PulledChange: Sendable, Equatable, Codable {
    public var seq: Int64
    public var operation: SyncOperation
}

/// A page of changes after a cursor.
public struct PullPage: Sendable, Equatable, Codable {
    public var changes: [PulledChange]
    /// Pass it as the next cursor.
    public var cursor: Int64
    /// Whether more changes wait after this page.
    public var hasMore: Bool
}

extension AppDatabase {
    /// The accepted changes after `cursor` that `actor` may see, oldest first, at most `limit`.
    public func pull(for actor: SyncActor, after cursor: Int64, limit: Int = 500) throws -> PullPage {
        let limit = max(1, min(limit, 5_000))
        return try writer.read { db in
            let scope = SyncLocator.visibleChangesCondition(actor: actor)
            let rows = try Row.fetchAll(db, sql: """
                SELECT seq, operationId, collection, record, action, fields, hlc, actorId, actorRole FROM syncChange
                WHERE seq > ? AND \(scope.sql) ORDER BY seq LIMIT ?
                """, arguments: [cursor] + scope.arguments + [limit + 1])
            let decoder = JSONDecoder()
            let page = rows.prefix(limit)
            let changes = page.compactMap { Self.change(from: $0, decoder: decoder) }
            // The cursor moves past every row read, sent or not: a row that cannot be read (written
            // before today's checks) is skipped, never read again and again.
            let next = page.last.map { $0["seq"] as Int64 } ?? max(cursor, 0)
            return PullPage(changes: changes, cursor: next, hasMore: rows.count > limit)
        }
    }

    static func change(from row: Row, decoder: JSONDecoder) -> PulledChange? {
        guard let collection = SyncCollection(rawValue: row["collection"]), let action = SyncAction(rawValue: row["action"]),
            let hlc = HLCTimestamp(row["hlc"] as String), let role = Role(rawValue: row["actorRole"])
        else { return nil }
        let fields = (try? decoder.decode([String: FieldValue].self, from: Data((row["fields"] as String).utf8))) ?? [:]
        let operation = SyncOperation(
            id: row["operationId"], collection: collection, action: action, record: row["record"], fields: fields, hlc: hlc,
            actor: SyncActor(user: row["actorId"] ?? 0, role: role)
        )
        return PulledChange(seq: row["seq"], operation: operation)
    }
}

/// One accepted change as stored: its fields still in the JSON they were logged as, so that a
/// pull can pass them on without decoding and encoding them again.
public struct StoredChange: Sendable {
    public var seq: Int64
    public var operationId: String
    public var collection: String
    public var action: String
    public var record: String
    /// A JSON object.
    public var fieldsJSON: String
    public var hlc: String
    public var actorId: Int64
    public var actorRole: String
}

/// What a device's pull gets (`GET /sync/pull`).
public struct PullAnswer: Sendable {
    /// The cursor was older than the compacted log: the device starts again from the snapshot.
    public var reset: Bool
    /// Everything the user may see, when the pull starts from 0 (or was reset).
    public var snapshot: [SyncOperation]?
    public var changes: [StoredChange]
    public var cursor: Int64
    public var hasMore: Bool
}

/// A pull's cursor after the server's latest change: the device must start again from 0.
public struct CursorFromTheFuture: Error, Sendable {
    public var latest: Int64
}

extension AppDatabase {
    /// A device's pull after `cursor`, read in one transaction: the snapshot (from 0, or when the
    /// cursor is older than the compacted log) and the changes after it see the same database, so
    /// a compaction between the two cannot leave out what it removed from the log.
    public func pull(after cursor: Int64, for actor: SyncActor, limit: Int) throws -> PullAnswer {
        try writer.read { db in
            let latest = try Self.latestSequence(db)
            guard cursor <= latest else { throw CursorFromTheFuture(latest: latest) }
            let horizon = try Self.syncHorizon(db)
            // Before the compacted log, or before a dossier became visible to the user (its
            // earlier changes were not sent to this device then): a fresh snapshot.
            let granted = cursor > 0 && actor.role != .admin ? try SyncGrant.granted(after: cursor, user: actor.user, db: db) : false
            let reset = cursor > 0 && (cursor < horizon || granted)
            let from = reset ? 0 : cursor
            let snapshot = from == 0 ? try Self.snapshot(for: actor, db: db) : nil
            let page = try Self.storedChanges(for: actor, after: from, limit: limit, db: db)
            // The last page has everything the user may see up to the latest change this read
            // saw: the cursor moves there, so no later pull (nor a new device after a snapshot
            // from an emptied log) reads those changes again.
            return PullAnswer(reset: reset, snapshot: snapshot, changes: page.changes, cursor: page.hasMore ? page.cursor : max(page.cursor, latest), hasMore: page.hasMore)
        }
    }

    /// `pull(for:after:limit:)` as stored rows (same rule, same order, same paging).
    static func storedChanges(for actor: SyncActor, after cursor: Int64, limit: Int, db: Database) throws -> (changes: [StoredChange], cursor: Int64, hasMore: Bool) {
        let limit = max(1, min(limit, 5_000))
        let scope = SyncLocator.visibleChangesCondition(actor: actor)
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT seq, operationId, collection, record, action, fields, hlc, actorId, actorRole FROM syncChange
            WHERE seq > ? AND \(scope.sql) ORDER BY seq LIMIT ?
            """), arguments: [cursor] + scope.arguments + [limit + 1])
        var changes: [StoredChange] = []
        changes.reserveCapacity(min(limit, 5_000))
        var more = false
        while let row = try rows.next() {
            if changes.count == limit {
                more = true
                break
            }
            changes.append(StoredChange(
                seq: row[0], operationId: row[1], collection: row[2], action: row[4], record: row[3],
                fieldsJSON: row[5], hlc: row[6], actorId: row[7] ?? 0, actorRole: row[8]
            ))
        }
        return (changes, changes.last?.seq ?? max(cursor, 0), more)
    }
}

/// What one read of the log found, for the live channel's fan-out.
public struct LogRead: Sendable {
    public var changes: [LoggedChange] = []
    /// The sequence number of the last row read (`nil`: none), readable or not: the next read
    /// starts after it.
    public var through: Int64?
    /// How many rows were read.
    public var rows = 0
    /// Rows that could not be read as a change (written before today's checks): skipped.
    public var unreadable: [Int64] = []
}

/// A change of the log with the dossier it belongs to (or, for a private record, the user), for
/// the live channel's fan-out.
public struct LoggedChange: Sendable {
    public var change: PulledChange
    public var dossierId: Int64?
    public var ownerId: Int64?

    /// Whether a user who sees `visible` (nil: every dossier) may see it: the rule of
    /// `SyncLocator.visibleChangesCondition`.
    public func isVisible(to user: Int64, dossiers visible: Set<Int64>?) -> Bool {
        if let ownerId { return ownerId == user }
        guard let dossierId else { return false }
        return visible?.contains(dossierId) ?? true
    }
}

extension AppDatabase {
    /// Every change after `seq` (at most `limit` rows), whoever may see it: the live channel reads
    /// each commit once and filters it per connection with `visibleDossiers(for:)`, the rule of
    /// `pull(for:after:limit:)`.
    public func changes(after seq: Int64, limit: Int) throws -> LogRead {
        try writer.read { db in
            let decoder = JSONDecoder()
            var read = LogRead()
            let rows = try Row.fetchCursor(db.cachedStatement(sql: """
                SELECT seq, operationId, collection, record, action, fields, hlc, actorId, actorRole, dossierId, ownerId FROM syncChange
                WHERE seq > ? ORDER BY seq LIMIT ?
                """), arguments: [seq, limit])
            while let row = try rows.next() {
                read.rows += 1
                read.through = row["seq"]
                if let change = Self.change(from: row, decoder: decoder) {
                    read.changes.append(LoggedChange(change: change, dossierId: row["dossierId"], ownerId: row["ownerId"]))
                } else {
                    read.unreadable.append(row["seq"])
                }
            }
            return read
        }
    }

    /// The dossiers `actor` may see; nil for all (an admin).
    public func visibleDossiers(for actor: SyncActor) throws -> Set<Int64>? {
        guard actor.role != .admin else { return nil }
        return try writer.read { db in
            let scope = SyncLocator.visibleDossiersCondition(column: "d.id", actor: actor)
            return Set(try Int64.fetchAll(db, sql: "SELECT d.id FROM dossier d WHERE \(scope.sql)", arguments: scope.arguments))
        }
    }
}

extension AppDatabase {
    /// The sequence number of the newest change ever logged, 0 when there is none. The log's
    /// counter, not its newest row: a compaction may have emptied the log, and the cursors the
    /// devices hold still count.
    public func latestSequence() throws -> Int64 {
        try writer.read { db in try Self.latestSequence(db) }
    }

    static func latestSequence(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: """
            SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'syncChange'), 0),
                coalesce((SELECT max(seq) FROM syncChange), 0), coalesce((SELECT max(seq) FROM syncHorizon), 0))
            """) ?? 0
    }
}
