import ArgumentParser
import FTModel
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
        let openSteps = Locked<Result<[OpenStep], any Error>?>(nil)
        let longestRead = DispatchGroup()
        if periodName == "all" {
            DispatchQueue.global().async(group: longestRead) {
                let steps = Result { try database.openSteps() }
                openSteps.withLock { $0 = steps }
            }
        }
        let responses = try database.firstResponses()
        let periods = self.periods
        let outcomes = Locked<[Result<AdminReport, any Error>]>(Array(repeating: .failure(CLIError("a report did not finish")), count: periods.count))
        DispatchQueue.concurrentPerform(iterations: periods.count) { index in
            let outcome = Result { try generator.report(periods[index], containing: day, from: database, now: Date(), responses: responses) }
            outcomes.withLock { $0[index] = outcome }
        }
        for (period, outcome) in zip(periods, outcomes.withLock { $0 }) {
            let report = try outcome.get()
            for file in report.files { print("  \(configuration.outputDirectory)/\(file)") }
            print(String(format: "Made the %@ report for %@%@ in %.2f s.", period.rawValue, period.range(containing: day).slug,
                         report.empty ? " (no activity in that period)" : "", report.seconds))
        }
        if periodName == "all" {
            longestRead.wait()
            let dashboard = try generator.dashboard(from: database, now: Date(), responses: responses, openSteps: try openSteps.withLock { $0 }?.get())
            let elapsed = ContinuousClock.now - started
            let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(String(format: "Rendered the dashboard (%d files) in %.2f s; %.2f s in all.", dashboard.files.count, dashboard.seconds, total))
            logger.info("dashboard phases", metadata: Dictionary(uniqueKeysWithValues: dashboard.phases.map { ($0.name, "\(String(format: "%.3f s", $0.seconds))") }))
        }
    }
}
