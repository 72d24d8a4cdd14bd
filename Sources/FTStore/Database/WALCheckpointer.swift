internal import Dispatch
public import Foundation
#if canImport(Glibc)
internal import Glibc
#endif
internal import GRDB
public import Logging

/// Folds the write-ahead log into the database file on a thread and connection of its own, every
/// `interval`, instead of inside whichever commit crosses SQLite's 1,000-page mark: that
/// commit copied the pages and waited for two fsyncs, and every push queued behind it (`ft serve`'s
/// one-operation push p99). A PASSIVE checkpoint never blocks the writer nor waits for readers;
/// what it cannot fold now it folds next time.
public final class WALCheckpointer: @unchecked Sendable {
    private let connection: DatabaseQueue
    private let timer: any DispatchSourceTimer
    private let queue = DispatchQueue(label: "financialtracker.checkpoints", qos: .utility)
    private let logger: Logger
    private let length: WALLength
    /// The database file, for `fdatasync` only (see `checkpoint`).
    private let databaseFile: Int32
    /// Called after a round that found the log long: asks the writer to let it start over.
    private let logIsLong: @Sendable () -> Void
    private let longLog: Int

    init(path: String, interval: TimeInterval, length: WALLength, longLog: Int, logger: Logger, logIsLong: @escaping @Sendable () -> Void) throws {
        var configuration = Configuration()
        configuration.label = "FinancialTracker.checkpoints"
        configuration.busyMode = .immediateError
        connection = try DatabaseQueue(path: path, configuration: configuration)
        databaseFile = open(path, O_RDONLY | O_CLOEXEC)
        self.logger = logger
        self.length = length
        self.logIsLong = logIsLong
        self.longLog = longLog
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [weak self] in self?.checkpoint() }
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(Int(interval * 100)))
        timer.resume()
    }

    deinit {
        timer.cancel()
        if databaseFile >= 0 { close(databaseFile) }
    }

    /// Stops the timer and waits for a checkpoint under way, if any: SQLite refuses a second
    /// checkpoint at once, without waiting, so `AppDatabase.close` would fail beside it. The log
    /// is then folded by `AppDatabase.close`.
    public func stop() {
        timer.cancel()
        queue.sync {}
    }

    /// Frames written during a pass below which the log counts as folded but for a short tail.
    static let settledFrames = 1_024

    /// One round: passes one after the other until a pass finds few new frames (at most 4), then
    /// the log's length is noted for `restartWriteAheadLogIfLong`. The writer then folds what is
    /// left itself, on its own thread: with the tail short and the database file already synced,
    /// that takes it a few milliseconds. Before, the writer's fold synced every page the
    /// background had copied since the last full fold and the frames written during the last long
    /// pass: it stopped for up to 100 ms, every push queued behind it, and the one-operation push
    /// p99 went from 7 to 15-35 ms at 1,000 pushes/s.
    private func checkpoint() {
        do {
            var previous: Int?
            for pass in 1...4 {
                let result = try connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                // Frames written since the previous pass began (the whole log after a restart).
                let fresh = previous.map { result.walFrameCount >= $0 ? result.walFrameCount - $0 : result.walFrameCount } ?? result.walFrameCount
                previous = result.walFrameCount
                if fresh < Self.settledFrames || pass == 4 {
                    // SQLite syncs the database file only after a pass that folds the whole log,
                    // which never happens while pushes keep coming: the pages these passes copied
                    // were all left for the writer's fold to sync (96 ms for a 48-frame fold).
                    // Synced here, on this thread, they are not.
                    if databaseFile >= 0 { _ = fdatasync(databaseFile) }
                    length.record(result.walFrameCount)
                    if result.walFrameCount >= longLog { logIsLong() }
                    return
                }
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            // The writer is finishing a checkpoint itself (`restartWriteAheadLogIfLong`).
            logger.trace("background checkpoint skipped: another one is under way")
        } catch {
            logger.warning("background checkpoint failed; retrying at the next interval", metadata: ["error": "\(error)"])
        }
    }
}

extension AppDatabase {
    /// Moves checkpoints off the commit path (see `WALCheckpointer`): the writer stops checkpointing
    /// by itself, and a background connection does it every `interval`. For long-running servers;
    /// keep the returned value for as long as the database is used. Files only.
    /// `longLog`: the log's length in frames from which the writer is asked to let it start over
    /// (`restartWriteAheadLogSoon`).
    public func startBackgroundCheckpoints(every interval: TimeInterval = 0.25, longLog: Int = AppDatabase.longLog) throws -> WALCheckpointer {
        guard let path else { throw StoreError.cannotOpen(path: ":memory:", reason: "an in-memory database has no write-ahead log") }
        let checkpointer = try WALCheckpointer(path: path, interval: interval, length: walLength, longLog: longLog, logger: logger) { [weak self] in
            self?.restartWriteAheadLogSoon(limit: longLog)
        }
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        return checkpointer
    }
}

extension AppDatabase {
    /// Lets the write-ahead log start over from its beginning under a steady stream of writes.
    ///
    /// SQLite starts the log over only when a write transaction begins with every frame already
    /// folded into the database file. With checkpoints in the background and pushes one after the
    /// other, that moment never came: the log grew to 0.4–1.1 GB in 20 s of pushes, and every commit
    /// paid for new file blocks (the kernel zeroed each one: 5 % of the push writer's time) and a
    /// longer log index. So once the background checkpointer has found the log longer than
    /// `limit` frames, the writer calls this between two transactions: it folds the few frames the
    /// background has not folded yet, and its next transaction starts the log over (unless a
    /// reader still reads an older snapshot; then the background tries again).
    /// Does nothing for an in-memory database or without background checkpoints.
    public func restartWriteAheadLogIfLong(limit: Int = AppDatabase.longLog) {
        guard walLength.current >= limit, let pool = writer as? DatabasePool else { return }
        do {
            try pool.writeWithoutTransaction { db in try foldLogTail(db) }
        } catch {
            logTailNotFolded(error)
        }
    }

    /// The same, from any thread, for every writer: queued behind the writes already waiting, it
    /// runs between two transactions whoever made them. Without it only pushes let the log start
    /// over, and the document indexer alone grew it to 5.8 GB in two minutes (every new block
    /// zeroed by the kernel: a quarter of its time).
    func restartWriteAheadLogSoon(limit: Int = AppDatabase.longLog) {
        guard walLength.current >= limit, let pool = writer as? DatabasePool else { return }
        pool.asyncWriteWithoutTransaction { [self] db in
            guard walLength.current >= limit else { return }
            do {
                try foldLogTail(db)
            } catch {
                logTailNotFolded(error)
            }
        }
    }

    /// Log frames from which the log counts as long.
    public static let longLog = 4_096

    private func foldLogTail(_ db: Database) throws {
        _ = try db.checkpoint(.passive)
        // Done (or readers kept some frames): not again before the background looks again.
        walLength.record(0)
    }

    private func logTailNotFolded(_ error: any Error) {
        if let error = error as? DatabaseError, error.resultCode == .SQLITE_BUSY {
            // The background checkpointer is at work (SQLite runs one checkpoint at a time and
            // refuses another at once): tried again after the next transaction.
            return
        }
        walLength.record(0)
        logger.warning("checkpoint before the log's restart failed; retrying later", metadata: ["error": "\(error)"])
    }
}
