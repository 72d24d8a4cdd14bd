public import Foundation
internal import GRDB

/// What a compaction of the sync log did.
public struct CompactionReport: Sendable, Equatable {
    /// The newest sequence number removed: cursors below it get a fresh snapshot.
    public var horizon: Int64
    public var changesRemoved: Int
    public var rejectionsRemoved: Int
    /// Deleted messages purged for good (their tombstones had been kept long enough).
    public var tombstonesPurged: Int
}

extension AppDatabase {
    /// Shrinks the sync log. Changes received before `changesBefore` leave the log: their effect
    /// is already in the domain tables and merge states, which is what a snapshot is made from.
    /// Their ids are kept (a device retrying one is answered as before, nothing applied twice).
    /// Refusals older than `changesBefore` are forgotten. Messages deleted before
    /// `tombstonesBefore` are purged with their merge state (on their row).
    ///
    /// Nobody breaks: a device whose cursor is older than the new horizon gets, on its next pull,
    /// `reset` and a fresh snapshot of what it may see, then the changes after the horizon.
    ///
    /// Nobody waits either: what to remove is found on a reader (on the 4 million changes and
    /// 4.6 million messages of the largest demo the scans take seconds: in one write transaction,
    /// `ft serve` took no push for 9 s after every start), and it is removed `chunk` rows per
    /// transaction. The horizon moves first, so that a pull between two chunks already gets the
    /// snapshot (the log's rows still below the horizon come with it and change nothing: merges
    /// are idempotent); a compaction stopped half-way is finished by the next one.
    public func compactSyncLog(changesBefore: Date, tombstonesBefore: Date, now: Date, chunk: Int = 2_000) throws -> CompactionReport {
        let chunk = max(1, chunk)
        let (previous, received, tombstones) = try writer.read { db in
            (
                try Self.syncHorizon(db),
                try Int64.fetchOne(db, sql: "SELECT max(seq) FROM syncChange WHERE receivedAt < ?", arguments: [changesBefore]) ?? 0,
                try Int64.fetchAll(db, sql: "SELECT rowid FROM message WHERE deletedAt < ?", arguments: [tombstonesBefore])
            )
        }
        let horizon = max(previous, received)
        var report = CompactionReport(horizon: horizon, changesRemoved: 0, rejectionsRemoved: 0, tombstonesPurged: 0)
        if horizon > previous {
            try writer.write { db in
                try db.execute(sql: "DELETE FROM syncHorizon")
                try db.execute(sql: "INSERT INTO syncHorizon (seq, compactedAt) VALUES (?, ?)", arguments: [horizon, now])
            }
        }
        // Below the horizon, oldest first (with what an earlier compaction may have left).
        var low = try writer.read { db in try Int64.fetchOne(db, sql: "SELECT min(seq) FROM syncChange") } ?? (horizon + 1)
        while low <= horizon {
            let high = min(horizon, low + Int64(chunk) - 1)
            report.changesRemoved += try writer.write { db in
                try db.execute(sql: "INSERT OR IGNORE INTO syncCompacted (operationId, seq, actorId) SELECT operationId, seq, actorId FROM syncChange WHERE seq BETWEEN ? AND ?", arguments: [low, high])
                try db.execute(sql: "DELETE FROM syncChange WHERE seq BETWEEN ? AND ?", arguments: [low, high])
                return db.changesCount
            }
            low = high + 1
        }
        while true {
            let removed = try writer.write { db in
                try db.execute(sql: """
                    DELETE FROM syncRejection WHERE operationId IN (SELECT operationId FROM syncRejection WHERE receivedAt < ? LIMIT ?)
                    """, arguments: [changesBefore, chunk])
                return db.changesCount
            }
            report.rejectionsRemoved += removed
            if removed < chunk { break }
        }
        for start in stride(from: 0, to: tombstones.count, by: chunk) {
            let rowids = tombstones[start..<min(tombstones.count, start + chunk)]
            report.tombstonesPurged += try writer.write { db in
                // Still deleted (nobody undoes a deletion today; checked all the same).
                let purge = try db.cachedStatement(sql: "DELETE FROM message WHERE rowid = ? AND deletedAt < ?")
                var purged = 0
                for rowid in rowids {
                    try purge.execute(arguments: [rowid, tombstonesBefore])
                    purged += db.changesCount
                }
                return purged
            }
        }
        return report
    }

    /// The newest sequence number compacted away (0 when the log is whole).
    public func syncHorizon() throws -> Int64 {
        try writer.read { db in try Self.syncHorizon(db) }
    }

    static func syncHorizon(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT max(seq) FROM syncHorizon") ?? 0
    }
}
