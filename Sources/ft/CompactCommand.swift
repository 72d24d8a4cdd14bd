import ArgumentParser
import FTStore
import Foundation

struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Shrink the sync log: drop old changes, refusals and message tombstones.",
        discussion: """
            Changes received more than --changes-days ago leave the log (their effect stays in the \
            database; their ids are kept, so a device that retries one is answered as before). \
            Messages deleted more than --tombstones-days ago are purged. A device whose cursor is \
            older than the compacted part gets a fresh snapshot on its next pull (with "reset": \
            true): nobody has to reinstall. `ft serve` runs the same compaction once a day.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("Keep the changes of the last N days in the log.", valueName: "N"))
    var changesDays = 30

    @Option(help: ArgumentHelp("Keep deleted messages for N days before purging them.", valueName: "N"))
    var tombstonesDays = 90

    mutating func validate() throws {
        guard changesDays >= 0 else { throw ValidationError("--changes-days must be 0 or more, not \(changesDays)") }
        guard tombstonesDays >= 0 else { throw ValidationError("--tombstones-days must be 0 or more, not \(tombstonesDays)") }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        let database = try AppDatabase.open(path: try options.requireDatabase(), logger: logger)
        defer { try? database.close() }
        let report = try Self.compact(database, changesDays: changesDays, tombstonesDays: tombstonesDays)
        print("Compacted the sync log: \(report.changesRemoved) changes, \(report.rejectionsRemoved) refusals, \(report.tombstonesPurged) deleted messages removed; cursors below \(report.horizon) get a fresh snapshot.")
    }

    static func compact(_ database: AppDatabase, changesDays: Int, tombstonesDays: Int, now: Date = Date()) throws -> CompactionReport {
        try database.compactSyncLog(
            changesBefore: now.addingTimeInterval(-Double(changesDays) * 86_400),
            tombstonesBefore: now.addingTimeInterval(-Double(tombstonesDays) * 86_400),
            now: now
        )
    }
}
