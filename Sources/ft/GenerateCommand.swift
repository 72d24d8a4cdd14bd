import ArgumentParser
import FTSite
import FTStore
import Foundation
import Logging

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Render the public marketplace into static files.",
        discussion: """
            A file whose bytes did not change is left alone (and keeps its modification time), a \
            changed one is replaced atomically, and a page that no longer exists (an expert \
            deactivated, unapproved or deleted) is removed. Files in the output folder that ft did not \
            write are never touched.

            The database notes what changed since the last build (.ft-state.json in the output \
            folder). When only ratings or profile text changed, only the pages showing those experts \
            are rendered (a "targeted" build, milliseconds); when an expert appeared, disappeared or \
            moved, or the templates or ft itself changed, every page is (a "full" build). --clean \
            forces a full build that rewrites every file.

            A template error names the file and line, and nothing is written.

            The restricted admin pages (dashboard, SLA monitoring, users, the reports' index) are \
            rendered too, into --admin-out (default DATA_DIR/admin, never inside the public folder); \
            `ft serve` shows them to signed-in admins only, at /admin/. --no-admin skips them.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("out"), help: ArgumentHelp("Output folder.", valueName: "dir"))
    var outputDirectory = "public"

    @Option(help: ArgumentHelp("Folder of Mustache templates, assets/ and locales/.", valueName: "dir"))
    var templates = "site-templates"

    @Option(name: .customLong("base-url"), help: "Public address of the site, for canonical links, the sitemap and the feed.")
    var baseURL = "http://127.0.0.1:8080"

    @Flag(help: "Render every page and rewrite every file, even those whose bytes did not change.")
    var clean = false

    @Option(help: ArgumentHelp("Folder of the restricted admin pages (default: DATA_DIR/admin).", valueName: "dir"))
    var adminOut: String?

    @Flag(help: "Do not render the admin dashboard.")
    var noAdmin = false

    mutating func validate() throws {
        guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
            throw ValidationError("--base-url must start with http:// or https://, not '\(baseURL)'")
        }
        guard !outputDirectory.isEmpty else { throw ValidationError("--out cannot be empty") }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        let path = try options.requireDatabase()
        // A full build allocates about 130 MB on every core, once: heaps grown in large steps.
        MemoryTuning.keepFreedMemory(topPad: 64 << 20)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: templates, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("no templates folder at \(templates); pass --templates DIR")
        }
        let adminDirectory = try options.adminDirectory(adminOut, publicDirectory: outputDirectory)
        let database = try AppDatabase.open(path: path, logger: logger)
        defer { try? database.close() }
        let configuration = SiteConfiguration(templatesDirectory: templates, outputDirectory: outputDirectory, baseURL: baseURL, clean: clean)
        let progress = ProgressBar(title: "Generating")
        let report: SiteReport
        do {
            report = try SiteGenerator(configuration: configuration).generate(from: database) { step in
                progress.update(label: step.phase, done: step.done, total: step.total)
            }
        } catch {
            progress.finish()
            throw error
        }
        progress.finish()
        logger.info("build phases", metadata: Dictionary(uniqueKeysWithValues: report.phases.map { ($0.name, "\(String(format: "%.3f s", $0.seconds))") }))
        print(String(
            format: "Generated %@ (%@ build): %d files for %d experts — %d written, %d unchanged, %d removed in %.3f s.",
            outputDirectory, report.mode.rawValue, report.files, report.experts, report.written.count, report.unchanged, report.removed.count, report.seconds
        ))
        guard !noAdmin else { return }
        let admin = try AdminGenerator(configuration: AdminConfiguration(templatesDirectory: templates, outputDirectory: adminDirectory))
            .dashboard(from: database, now: Date())
        print(String(format: "Generated the admin dashboard in %@: %d files, %d written in %.3f s.", adminDirectory, admin.files.count, admin.written.count, admin.seconds))
    }
}
