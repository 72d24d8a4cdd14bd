import ArgumentParser

@main
struct FT: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ft",
        abstract: "FinancialTracker: the marketplace's database, demo data, site and sync server.",
        discussion: """
            Every command works on one data directory (--data-dir, or FT_DATA_DIR, default ./data) \
            that holds the SQLite database and, later, the stored documents.
            """,
        version: "0.1.0",
        subcommands: [SeedCommand.self, GenerateCommand.self, ServeCommand.self, CompactCommand.self, ArchiveCommand.self, ReportCommand.self, KeygenCommand.self, VerifyCommand.self, InfoCommand.self]
    )
}
