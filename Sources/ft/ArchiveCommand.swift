import ArgumentParser
import FTArchive
import FTStore
import Foundation

struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Move document versions older than the newest K into per-document archives.",
        discussion: """
            Each document keeps its newest --keep versions as they are; older ones go into the \
            document's archive (zstd-compressed tar written with libarchive, with a manifest of \
            version, SHA-256, author and time, encrypted with the document key) under \
            DATA_DIR/blobs/archives/. Archived versions stay downloadable: they are read back from \
            the archive and checked against their SHA-256. A new archive is read back in full \
            before anything it replaces is deleted. Blobs, archives and abandoned uploads that \
            nothing uses any more (a refused upload, a deleted dossier) are removed once older than \
            --leftovers-after hours. `ft serve` runs the same policy every \
            --archive-every hours; `ft verify` checks the archives too.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("How many of each document's newest versions stay out of the archive.", valueName: "K"))
    var keep = 3

    @Option(help: ArgumentHelp("Remove blobs, archives and abandoned uploads nothing uses once they are this many hours old.", valueName: "hours"))
    var leftoversAfter = 24

    @Option(help: ArgumentHelp("The document key file (default: DATA_DIR/document.key; FT_DOCUMENT_KEY wins).", valueName: "file"))
    var documentKey: String?

    mutating func validate() throws {
        guard leftoversAfter >= 0 else { throw ValidationError("--leftovers-after must be 0 or more (hours), not \(leftoversAfter)") }
        guard keep >= 1 else { throw ValidationError("--keep must be at least 1 (the current version is never archived), not \(keep)") }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        let path = try options.requireDatabase()
        let blobs = try options.openDocumentStore(keyFile: documentKey)
        let database = try AppDatabase.open(path: path, logger: logger)
        defer { try? database.close() }
        let started = Date()
        let bar = ProgressBar(title: "Archiving")
        let report = try DocumentArchiver(database: database, blobs: blobs, keep: keep, grace: Double(leftoversAfter) * 3_600).run { done, total in
            bar.update(label: "documents", done: done, total: total)
        }
        bar.finish()
        for failure in report.failures.prefix(50) { print("PROBLEM \(failure)") }
        print(Self.summary(report, seconds: Date().timeIntervalSince(started)))
        if !report.failures.isEmpty { throw ExitCode(1) }
    }

    static func summary(_ report: DocumentArchiver.Report, seconds: Double) -> String {
        let megabytes = String(format: "%.1f", Double(report.bytesArchived) / 1_048_576)
        var line = "Archived \(report.versionsArchived) version(s) of \(report.documents) document(s) (\(megabytes) MiB), \(report.blobsDeleted) blob(s) freed"
        if report.leftoversDeleted > 0 { line += "; \(report.leftoversDeleted) leftover file(s) nothing used removed" }
        if report.withoutContent > 0 { line += "; \(report.withoutContent) version(s) due had no stored content" }
        if !report.failures.isEmpty { line += "; \(report.failures.count) document(s) failed" }
        return line + String(format: " in %.2f s.", seconds)
    }
}
