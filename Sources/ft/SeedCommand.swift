import ArgumentParser
import FTModel
import FTSeed
import FTStore
import Foundation
import Logging

struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Fill a new database with realistic French demo data.",
        discussion: """
            The same arguments always produce the same database. Dates are laid out before --today \
            (default: the current UTC day), so pass --today as well to reproduce a database exactly.

            The demo accounts (\(DemoAccounts.admin), \(DemoAccounts.expert), \(DemoAccounts.client), \
            \(DemoAccounts.otherClient)) get the demo password; generated users have no password.

            An existing database that holds data is never touched unless --replace is given. The data \
            is written to a temporary file and moved into place only once complete.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(parsing: .unconditional, help: "Number of experts to generate.")
    var experts = 200

    @Option(parsing: .unconditional, help: "Number of client businesses to generate (each with its dossiers, messages, documents…).")
    var clients = 1_000

    @Option(help: "Random seed: the same seed gives the same data.")
    var seed: UInt64 = 42

    @Option(help: ArgumentHelp("The day the data is laid out around, as YYYY-MM-DD (default: today, UTC).", valueName: "date"))
    var today: String?

    @Option(name: .customLong("demo-password"), help: "Password of the demo accounts.")
    var demoPassword = DemoAccounts.defaultPassword

    @Flag(help: "Erase the existing database first.")
    var replace = false

    mutating func validate() throws {
        guard experts >= 0 else { throw ValidationError("--experts must be 0 or more, not \(experts)") }
        guard clients >= 0 else { throw ValidationError("--clients must be 0 or more, not \(clients)") }
        guard experts <= SeedConfiguration.maximumExperts else {
            throw ValidationError("--experts is at most \(SeedConfiguration.maximumExperts)")
        }
        guard clients <= SeedConfiguration.maximumClients else {
            throw ValidationError("--clients is at most \(SeedConfiguration.maximumClients)")
        }
        guard !demoPassword.isEmpty else { throw ValidationError("--demo-password cannot be empty") }
        if let today, DayParser.date(from: today) == nil {
            throw ValidationError("--today must be a date like 2026-11-25, not '\(today)'")
        }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        MemoryTuning.keepFreedMemory()
        try options.prepareDataDirectory()
        let path = options.databasePath
        let manager = FileManager.default

        if manager.fileExists(atPath: path) {
            let existing = try AppDatabase.open(path: path, logger: logger)
            let rows = try existing.tableCounts().reduce(0) { $0 + $1.rows }
            try existing.close()
            if rows > 0 && !replace {
                throw CLIError("\(path) already holds \(rows) rows; pass --replace to erase them and seed anew")
            }
        }

        let day = today.flatMap(DayParser.date(from:)) ?? DayParser.startOfToday()
        let configuration = SeedConfiguration(experts: experts, clients: clients, seed: seed, today: day, demoPassword: demoPassword, documents: try documentStore())
        let temporary = path + ".seeding"
        DatabaseFiles.remove(temporary)
        logger.info("seeding into a temporary file", metadata: ["path": "\(temporary)", "experts": "\(experts)", "clients": "\(clients)", "seed": "\(seed)"])
        let progress = ProgressBar(title: "Seeding")
        let report: SeedReport
        do {
            let database = try AppDatabase.open(path: temporary, logger: logger)
            report = try DemoSeeder(configuration: configuration).seed(into: database) { step in
                progress.update(label: step.phase, done: step.done, total: step.total)
            }
            try database.close()
        } catch {
            progress.finish()
            DatabaseFiles.remove(temporary)
            throw error
        }
        progress.finish()
        DatabaseFiles.remove(path)
        try manager.moveItem(atPath: temporary, toPath: path)
        DatabaseFiles.remove(temporary)
        logger.info("database moved into place", metadata: ["path": "\(path)"])

        let size = (try? manager.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        print(SeedSummary(report: report, path: path, bytes: size, password: demoPassword, today: DayParser.string(from: day), seed: seed).text)
    }
}

extension SeedCommand {
    /// The document store the demo documents' contents go to, encrypted with the data
    /// directory's key (`FT_DOCUMENT_KEY` or DATA_DIR/document.key); a new data directory gets a
    /// new key file, as `ft keygen` makes it.
    func documentStore() throws -> BlobStore {
        let keyFile = options.dataDirectory + "/document.key"
        if (ProcessInfo.processInfo.environment[DocumentKey.environmentVariable] ?? "").isEmpty, !FileManager.default.fileExists(atPath: keyFile) {
            guard FileManager.default.createFile(atPath: keyFile, contents: Data((DocumentKey.generate() + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CLIError("cannot write the document key \(keyFile)")
            }
            print("Wrote a new document key to \(keyFile) for the demo documents. Keep a copy somewhere safe.")
        }
        return try options.openDocumentStore(keyFile: keyFile)
    }
}

/// The lines `ft seed` prints when done.
struct SeedSummary {
    let report: SeedReport
    let path: String
    let bytes: Int64
    let password: String
    let today: String
    let seed: UInt64

    var text: String {
        let total = report.counts.reduce(0) { $0 + $1.rows }
        let width = report.counts.map(\.table.count).max() ?? 0
        var lines = ["Seeded \(path) (seed \(seed), today \(today)):"]
        for count in report.counts {
            lines.append("  \(count.table.padding(toLength: width, withPad: " ", startingAt: 0))  \(count.rows)")
        }
        lines.append(String(format: "%d rows in %.1f s, %.1f MB on disk.", total, report.seconds, Double(bytes) / 1_000_000))
        lines.append("Demo accounts (password \"\(password)\"): \(report.accounts.joined(separator: ", "))")
        return lines.joined(separator: "\n")
    }
}

/// The database file and its SQLite companions.
enum DatabaseFiles {
    static func remove(_ path: String) {
        for file in [path, path + "-wal", path + "-shm", path + "-journal"] {
            try? FileManager.default.removeItem(atPath: file)
        }
    }
}
