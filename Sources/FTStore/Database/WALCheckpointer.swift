internal import Dispatch
public import Foundation
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
    private let logger: Logger

    init(path: String, interval: TimeInterval, logger: Logger) throws {
        var configuration = Configuration()
        configuration.label = "FinancialTracker.checkpoints"
        configuration.busyMode = .immediateError
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.logger = logger
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "financialtracker.checkpoints", qos: .utility))
        timer.setEventHandler { [weak self] in self?.checkpoint() }
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(Int(interval * 100)))
        timer.resume()
    }

    deinit {
        timer.cancel()
    }

    /// Stops the timer (the log is folded by `AppDatabase.close`).
    public func stop() {
        timer.cancel()
    }

    private func checkpoint() {
        do {
            _ = try connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
        } catch {
            logger.warning("background checkpoint failed; retrying at the next interval", metadata: ["error": "\(error)"])
        }
    }
}

extension AppDatabase {
    /// Moves checkpoints off the commit path (see `WALCheckpointer`): the writer stops checkpointing
    /// by itself, and a background connection does it every `interval`. For long-running servers;
    /// keep the returned value for as long as the database is used. Files only.
    public func startBackgroundCheckpoints(every interval: TimeInterval = 0.25) throws -> WALCheckpointer {
        guard let path else { throw StoreError.cannotOpen(path: ":memory:", reason: "an in-memory database has no write-ahead log") }
        let checkpointer = try WALCheckpointer(path: path, interval: interval, logger: logger)
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        return checkpointer
    }
}
