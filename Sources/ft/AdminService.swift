import FTSite
import FTStore
import Foundation
import Logging

/// What `ft serve` does for the admin pages: the dashboard rendered again a few seconds after
/// changes (never two at once, off the request threads), and the reports of the last complete
/// day, week and month made when they are missing, checked a minute after start (`firstCheck`),
/// then hourly. Each report made is announced to the admins (once each), and e-mailed with its
/// files to those who asked for it.
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

    /// `told`: called when admins were told of a report (the notification workers go at once).
    func makeScheduledReports(firstCheck: Duration = .seconds(60), told notify: @Sendable () -> Void = {}) async {
        // Not at once: a server that is started to be used at once is not slowed (each report
        // may start Chromium to print its PDF).
        try? await Task.sleep(for: firstCheck)
        while !Task.isCancelled {
            let now = Date()
            for period in ReportPeriod.allCases {
                let day = period.lastComplete(before: now)
                let slug = period.range(containing: day).slug
                let path = "\(generator.configuration.outputDirectory)/rapports/\(period.rawValue)/\(slug).html"
                do {
                    if !FileManager.default.fileExists(atPath: path) {
                        let report = try generator.report(period, containing: day, from: database, now: now)
                        logger.info("report made", metadata: ["period": "\(period.rawValue)", "slug": "\(slug)", "seconds": "\(String(format: "%.2f", report.seconds))"])
                    }
                    // Also when the report was there already: a crash between making it and
                    // telling the admins tells them now (an admin already told is not told again).
                    let told = try database.notifyAdminsOfReport(
                        kind: period.notificationKind, title: try generator.reportTitle(period, containing: day), body: Self.reportSummary,
                        target: "/admin/rapports/\(period.rawValue)/\(slug).html", at: Date()
                    )
                    if told > 0 {
                        notify()
                        logger.info("report announced", metadata: ["period": "\(period.rawValue)", "slug": "\(slug)", "admins": "\(told)"])
                    }
                } catch {
                    logger.error("report \(period.rawValue) \(slug) failed: \(error)")
                }
            }
            dashboard.changed()
            try? await Task.sleep(for: .seconds(3_600))
        }
    }

    static let reportSummary = """
        Le rapport est prêt : dossiers ouverts et clos, montants estimés et obtenus, délais de première réponse, \
        notes et dépassements de SLA, par expert, par dispositif et par région.
        """
}
