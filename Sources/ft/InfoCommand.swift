import ArgumentParser
import FTStore
import Foundation

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show the database: its file, schema version and rows per table.",
        discussion: "Opens the database without creating it; a missing database is an error."
    )

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Also print a SHA-256 digest of each table's content (compare two databases).")
    var digest = false

    func run() async throws {
        let logger = options.bootstrapLogging()
        let path = try options.requireDatabase()
        let database = try AppDatabase.open(path: path, logger: logger)
        defer { try? database.close() }
        let counts = try database.tableCounts()
        let width = counts.map(\.table.count).max() ?? 0
        print("Database: \(path) (\(String(format: "%.1f", Double(database.fileSize()) / 1_000_000)) MB)")
        print("Schema:   \(try database.appliedMigrations().joined(separator: ", "))")
        let digests = digest ? try database.contentDigest() : [:]
        for count in counts {
            let name = count.table.padding(toLength: width, withPad: " ", startingAt: 0)
            print("  \(name)  \(count.rows)" + (digest ? "  \(digests[count.table] ?? "")" : ""))
        }
    }
}
