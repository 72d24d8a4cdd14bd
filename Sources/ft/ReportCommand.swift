import ArgumentParser
import FTSite
import FTStore
import Foundation
import Logging

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Make a daily, weekly or monthly performance report (or all three and the dashboard).",
        discussion: """
            For the period holding --date (a day; an ISO week, Monday to Sunday; a calendar month; \
            in UTC): dossiers opened and closed, amounts estimated and obtained, median first \
            response, ratings and SLA breaches — by expert, by eligible product and by region. \
            Written as HTML, CSV and XLSX (and PDF, printed by headless Chromium when it is \
            installed) under --admin-out/rapports/<period>/, and listed on the reports' index. \
            `ft serve` makes yesterday's, last week's and last month's reports on its own.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("period"), help: ArgumentHelp("daily, weekly, monthly, or all (the three, and the dashboard).", valueName: "period"))
    var periodName: String

    var periods: [ReportPeriod] { periodName == "all" ? ReportPeriod.allCases : ReportPeriod(rawValue: periodName).map { [$0] } ?? [] }

    @Option(help: ArgumentHelp("A day of the period, YYYY-MM-DD (default: yesterday).", valueName: "day"))
    var date: String?

    @Option(help: ArgumentHelp("Folder of the restricted admin pages (default: DATA_DIR/admin).", valueName: "dir"))
    var adminOut: String?

    @Option(help: ArgumentHelp("Folder of Mustache templates, assets/ and locales/.", valueName: "dir"))
    var templates = "site-templates"

    @Flag(help: "Do not print a PDF, even if Chromium is installed.")
    var noPdf = false

    mutating func validate() throws {
        guard periodName == "all" || ReportPeriod(rawValue: periodName) != nil else {
            throw ValidationError("--period must be daily, weekly, monthly or all, not '\(periodName)'")
        }
        if let date, DayParser.date(from: date) == nil {
            throw ValidationError("--date must be a calendar day written YYYY-MM-DD (for example 2026-11-24), not '\(date)'")
        }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        let path = try options.requireDatabase()
        let day = date.flatMap(DayParser.date(from:)) ?? DayParser.startOfToday().addingTimeInterval(-86_400)
        let database = try AppDatabase.open(path: path, logger: logger, memoryMapped: true)
        defer { try? database.close() }
        let configuration = AdminConfiguration(
            templatesDirectory: templates, outputDirectory: try options.adminDirectory(adminOut, publicDirectory: nil),
            chromium: noPdf ? nil : AdminConfiguration.installedChromium
        )
        let generator = AdminGenerator(configuration: configuration)
        let started = ContinuousClock.now
        // Read once for all the reports (and the dashboard) made now — beside the dashboard's
        // longest read when it is made too; then the reports side by side.
        let prefetch = Prefetch()
        let longestRead = DispatchGroup()
        if periodName == "all" {
            DispatchQueue.global().async(group: longestRead) { prefetch.set(steps: Result { try database.openSteps() }) }
        }
        prefetch.set(responses: Result { try database.firstResponses() })
        let responses = try prefetch.responses()
        let periods = self.periods
        let outcomes = Outcomes(count: periods.count)
        DispatchQueue.concurrentPerform(iterations: periods.count) { index in
            outcomes.set(index, Result { try generator.report(periods[index], containing: day, from: database, now: Date(), responses: responses) })
        }
        for (period, outcome) in zip(periods, outcomes.all) {
            let report = try outcome.get()
            for file in report.files { print("  \(configuration.outputDirectory)/\(file)") }
            print(String(format: "Made the %@ report for %@%@ in %.2f s.", period.rawValue, period.range(containing: day).slug,
                         report.empty ? " (no activity in that period)" : "", report.seconds))
        }
        if periodName == "all" {
            longestRead.wait()
            let dashboard = try generator.dashboard(
                from: database, now: Date(), responses: responses, openSteps: try prefetch.steps(), openAssignments: try prefetch.assignments()
            )
            let elapsed = ContinuousClock.now - started
            let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(String(format: "Rendered the dashboard (%d files) in %.2f s; %.2f s in all.", dashboard.files.count, dashboard.seconds, total))
            logger.info("dashboard phases", metadata: Dictionary(uniqueKeysWithValues: dashboard.phases.map { ($0.name, "\(String(format: "%.3f s", $0.seconds))") }))
        }
    }
}

/// Results filled from several threads, read once they are all done.
private final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<AdminReport, any Error>?]

    init(count: Int) {
        results = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ result: Result<AdminReport, any Error>) {
        lock.withLock { results[index] = result }
    }

    var all: [Result<AdminReport, any Error>] {
        lock.withLock { results.map { $0 ?? .failure(CLIError("a report did not finish")) } }
    }
}

/// What `--period all` reads before anything else: the first responses on this thread, the
/// dashboard's longest read (open steps) on another, while the reports are made.
private final class Prefetch: @unchecked Sendable {
    private let lock = NSLock()
    private var firstResponses: Result<[FirstResponse], any Error>?
    private var openSteps: Result<[OpenStep], any Error>?
    private var openAssignments: Result<[OpenAssignment], any Error>?

    func set(responses: Result<[FirstResponse], any Error>) { lock.withLock { firstResponses = responses } }
    func set(steps: Result<[OpenStep], any Error>) { lock.withLock { openSteps = steps } }
    func set(assignments: Result<[OpenAssignment], any Error>) { lock.withLock { openAssignments = assignments } }

    func responses() throws -> [FirstResponse] {
        guard let result = lock.withLock({ firstResponses }) else { throw CLIError("the first responses were not read") }
        return try result.get()
    }

    func steps() throws -> [OpenStep]? {
        try lock.withLock({ openSteps })?.get()
    }

    func assignments() throws -> [OpenAssignment]? {
        try lock.withLock({ openAssignments })?.get()
    }
}
