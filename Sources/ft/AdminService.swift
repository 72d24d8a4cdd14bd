import FTSite
import FTStore
import Foundation
import Logging

/// What `ft serve` does for the admin pages: the dashboard rendered again a few seconds after
/// changes (never two at once, off the request threads), and the reports of the last complete
/// day, week and month made when they are missing, checked a minute after start, then hourly.
struct AdminService: Sendable {
    let dashboard: Rebuilder<AdminReport>
    let generator: AdminGenerator
    let database: AppDatabase
    let logger: Logger

    init(database: AppDatabase, templates: String, directory: String, logger: Logger) {
        let generator = AdminGenerator(configuration: AdminConfiguration(templatesDirectory: templates, outputDirectory: directory))
        self.generator = generator
        self.database = database
        self.logger = logger
        dashboard = Rebuilder(delay: .seconds(2), work: { try generator.dashboard(from: database, now: Date()) }) { result in
            switch result {
            case .success(let report): logger.info("admin dashboard rendered", metadata: ["written": "\(report.written.count)", "seconds": "\(String(format: "%.3f", report.seconds))"])
            case .failure(let error): logger.error("admin dashboard failed: \(error)")
            }
        }
    }

    func makeScheduledReports() async {
        // Not at once: a server that is started to be used at once is not slowed (each report
        // may start Chromium to print its PDF).
        try? await Task.sleep(for: .seconds(60))
        while !Task.isCancelled {
            let now = Date()
            for period in ReportPeriod.allCases {
                let day = period.lastComplete(before: now)
                let slug = period.range(containing: day).slug
                let path = "\(generator.configuration.outputDirectory)/rapports/\(period.rawValue)/\(slug).html"
                guard !FileManager.default.fileExists(atPath: path) else { continue }
                do {
                    let report = try generator.report(period, containing: day, from: database, now: now)
                    logger.info("report made", metadata: ["period": "\(period.rawValue)", "slug": "\(slug)", "seconds": "\(String(format: "%.2f", report.seconds))"])
                } catch {
                    logger.error("report \(period.rawValue) \(slug) failed: \(error)")
                }
            }
            dashboard.changed()
            try? await Task.sleep(for: .seconds(3_600))
        }
    }
}
