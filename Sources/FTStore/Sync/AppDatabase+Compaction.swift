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
    public func compactSyncLog(changesBefore: Date, tombstonesBefore: Date, now: Date) throws -> CompactionReport {
        try writer.write { db in
            let previous = try Self.syncHorizon(db)
            let horizon = max(previous, try Int64.fetchOne(db, sql: "SELECT max(seq) FROM syncChange WHERE receivedAt < ?", arguments: [changesBefore]) ?? 0)
            var report = CompactionReport(horizon: horizon, changesRemoved: 0, rejectionsRemoved: 0, tombstonesPurged: 0)
            if horizon > previous {
                try db.execute(sql: "INSERT OR IGNORE INTO syncCompacted (operationId, seq, actorId) SELECT operationId, seq, actorId FROM syncChange WHERE seq <= ?", arguments: [horizon])
                try db.execute(sql: "DELETE FROM syncChange WHERE seq <= ?", arguments: [horizon])
                report.changesRemoved = db.changesCount
                try db.execute(sql: "DELETE FROM syncHorizon")
                try db.execute(sql: "INSERT INTO syncHorizon (seq, compactedAt) VALUES (?, ?)", arguments: [horizon, now])
            }
            try db.execute(sql: "DELETE FROM syncRejection WHERE receivedAt < ?", arguments: [changesBefore])
            report.rejectionsRemoved = db.changesCount
            try db.execute(sql: "DELETE FROM message WHERE deletedAt < ?", arguments: [tombstonesBefore])
            report.tombstonesPurged = db.changesCount
            return report
        }
    }

    /// The newest sequence number compacted away (0 when the log is whole).
    public func syncHorizon() throws -> Int64 {
        try writer.read { db in try Self.syncHorizon(db) }
    }

    static func syncHorizon(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT max(seq) FROM syncHorizon") ?? 0
    }
}
