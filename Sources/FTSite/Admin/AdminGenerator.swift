public import Foundation
public import FTStore

/// Where and how the restricted pages are written. The folder must never be under the public
/// site: `ft serve` hands its files to signed-in admins only.
public struct AdminConfiguration: Sendable {
    public var templatesDirectory: String
    public var outputDirectory: String
    public var locale: String
    /// Rows per page of the assignment, step and user lists.
    public var pageSize: Int
    /// Headless Chromium for PDF reports; nil: none (HTML, CSV and XLSX only).
    public var chromium: String?

    public init(templatesDirectory: String = "site-templates", outputDirectory: String, locale: String = "fr", pageSize: Int = 500, chromium: String? = AdminConfiguration.installedChromium) {
        self.templatesDirectory = templatesDirectory
        self.outputDirectory = outputDirectory
        self.locale = locale
        self.pageSize = max(1, pageSize)
        self.chromium = chromium
    }

    public static var installedChromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// What a dashboard build or a report wrote.
public struct AdminReport: Sendable {
    public var files: [String]
    public var written: [String]
    public var seconds: Double
    /// For a report: whether the period had no activity at all.
    public var empty = false
    /// Seconds per phase (read, render, write).
    public var phases: [(name: String, seconds: Double)] = []
}

/// Renders the admin dashboard (figures, charts, SLA monitoring, users) and the performance
/// reports into the restricted folder, from one read of the database each.
public struct AdminGenerator: Sendable {
    public let configuration: AdminConfiguration

    public init(configuration: AdminConfiguration) {
        self.configuration = configuration
    }

    static let reportsFolder = "rapports"

    /// The dashboard and its list pages; files no longer produced (fewer pages) are removed.
    /// `responses`: `database.firstResponses()`, when the caller has it already. The four reads
    /// run side by side (the database allows concurrent readers), and so does the rendering.
    /// `openSteps`: read already by the caller (alongside other work).
    public func dashboard(from database: AppDatabase, now: Date, responses: [FirstResponse]? = nil, openSteps: [OpenStep]? = nil) throws -> AdminReport {
        let started = ContinuousClock.now
        let templates = try AdminTemplates(directory: configuration.templatesDirectory, locale: configuration.locale)
        let views = AdminViews(format: FrenchFormat(strings: templates.strings), now: now)
        let format = views.format
        var phases: [(name: String, seconds: Double)] = []
        var mark = ContinuousClock.now
        func lap(_ name: String) {
            phases.append((name, Self.seconds(since: mark)))
            mark = ContinuousClock.now
        }
        let reads = DashboardReads()
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            let start = ContinuousClock.now
            switch index {
            case 0:
                let result = Result { try database.dashboardMetrics(now: now, responses: responses) }
                reads.set { $0.metrics = result; $0.seconds["read.metrics"] = Self.seconds(since: start) }
            case 1:
                let result = Result { try database.openAssignments() }
                reads.set { $0.assignments = result; $0.seconds["read.assignments"] = Self.seconds(since: start) }
            case 2:
                let result = Result { try openSteps ?? database.openSteps() }
                reads.set { $0.steps = result; $0.seconds["read.steps"] = Self.seconds(since: start) }
            default:
                let result = Result { try database.userActivity() }
                reads.set { $0.users = result; $0.seconds["read.users"] = Self.seconds(since: start) }
            }
        }
        let (metrics, assignments, steps, users) = try reads.results()
        lap("read")
        phases += reads.seconds.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }

        // Every page's context first, then all rendered on every core.
        var jobs: [(path: String, template: String, context: TemplateValue, rows: (@Sendable () -> String)?)] = []
        func pages<T: Sendable>(_ items: [T], folder: String, prefix: String, template: String, title: String, key: String, rows: @escaping @Sendable (ArraySlice<T>) -> String) -> [TemplateValue] {
            let size = configuration.pageSize
            let count = max(1, (items.count + size - 1) / size)
            var links: [TemplateValue] = []
            for page in 1...count {
                let path = "\(folder)/\(prefix)-\(page).html"
                links.append(["number": .text(String(page)), "url": .text(path)])
                var context = views.base(title: "\(title) (\(page)/\(count))", root: "../")
                let slice = items[min(items.count, (page - 1) * size)..<min(items.count, page * size)]
                context["is_" + key] = .flag(true)
                context["total"] = .text(format.integer(items.count))
                context["paginated"] = .flag(count > 1)
                context["pagination"] = .list((1...count).map { number in
                    ["number": .text(String(number)), "url": .text("\(prefix)-\(number).html"), "current": .flag(number == page)]
                })
                jobs.append((path, template, .object(context), { rows(slice) }))
            }
            return links
        }
        let assignmentLinks = pages(assignments, folder: "suivi", prefix: "affectations", template: "work", title: format.string("admin_assignments_title"), key: "assignments", rows: views.assignmentRows)
        let stepLinks = pages(steps, folder: "suivi", prefix: "etapes", template: "work", title: format.string("admin_steps_title"), key: "steps", rows: views.stepRows)
        let userLinks = pages(users, folder: "utilisateurs", prefix: "page", template: "users", title: format.string("admin_users_title"), key: "users", rows: views.userRows)

        func slaCounts(_ states: [AdminViews.SLAState]) -> TemplateValue {
            var counts: [String: TemplateValue] = ["total": .text(format.integer(states.count)), "totalRaw": .text(String(states.count))]
            for state in AdminViews.SLAState.allCases {
                let value = states.filter { $0 == state }.count
                counts[state.rawValue] = .text(format.integer(value))
                counts[state.rawValue + "Raw"] = .text(String(value))
            }
            return .object(counts)
        }
        var context = views.base(title: format.string("admin_dashboard_title"), root: "")
        context["kpis"] = .list(views.kpis(metrics))
        context["charts"] = .list(views.charts(metrics))
        context["sla"] = [
            "assignments": slaCounts(assignments.map(views.state)), "steps": slaCounts(steps.map(views.state)),
            "assignmentPages": .list(assignmentLinks), "stepPages": .list(stepLinks),
        ]
        context["userPages"] = .list(userLinks)
        context["users"] = .text(format.integer(users.count))
        let recent = Array(reportIndex(views: views).prefix(6))
        context["reports"] = .list(recent)
        context["hasReports"] = .flag(!recent.isEmpty)
        jobs.append(("index.html", "dashboard", .object(context), nil))
        lap("model")

        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let parts = PartsCollector<(String, Data)>(workers: workers)
        let pageJobs = jobs
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let slice = pageJobs.count * worker / workers..<pageJobs.count * (worker + 1) / workers
            parts.store(pageJobs[slice].map { job in
                var context = job.context
                if let rows = job.rows, case .object(var object) = context {
                    object["rows"] = .text(rows())
                    context = .object(object)
                }
                return (job.path, Data(templates.render(context, template: job.template).utf8))
            }, at: worker)
        }
        var files = Dictionary(uniqueKeysWithValues: parts.joined())
        files["admin.css"] = templates.stylesheet
        files["\(Self.reportsFolder)/index.html"] = reportsPage(templates: templates, views: views)
        lap("render")

        let writer = try SiteWriter(directory: configuration.outputDirectory, clean: false)
        var written: [String] = []
        for path in files.keys.sorted() where try writer.put(path, files[path] ?? Data()) { written.append(path) }
        _ = try writer.finish(paths: Set(files.keys))
        lap("write")
        return AdminReport(files: files.keys.sorted(), written: written, seconds: Self.seconds(since: started), phases: phases)
    }

    /// One performance report: HTML, CSV, XLSX and (with Chromium) PDF, then the reports' index.
    public func report(_ period: ReportPeriod, containing day: Date, from database: AppDatabase, now: Date, responses: [FirstResponse]? = nil) throws -> AdminReport {
        let started = ContinuousClock.now
        let templates = try AdminTemplates(directory: configuration.templatesDirectory, locale: configuration.locale)
        let views = AdminViews(format: FrenchFormat(strings: templates.strings), now: now)
        let format = views.format
        let range = period.range(containing: day)
        let data = try database.performanceReport(from: range.from, to: range.to, responses: responses)

        var cells: [[Spreadsheet.Cell]] = [AdminViews.reportColumns.map { .text($0) }]
        var sections: [TemplateValue] = []
        for (key, rows) in [("experts", data.experts), ("products", data.products), ("regions", data.regions)] {
            let (view, sectionCells) = views.reportRows(rows, section: key)
            cells += sectionCells
            sections.append(["key": .text(key), "title": .text(format.string("admin_report_" + key)), "rows": .list(view), "empty": .flag(rows.isEmpty)])
        }
        let (totals, totalCells) = views.reportRows([data.totals], section: "total")
        cells += totalCells

        let folder = "\(Self.reportsFolder)/\(period.rawValue)"
        let base = "\(folder)/\(range.slug)"
        let title = format.fill("admin_report_title_" + period.rawValue, ["period": period.label(containing: day)])
        var context = views.base(title: title, root: "../../")
        context["period"] = [
            "kind": .text(format.string("admin_period_" + period.rawValue)), "slug": .text(range.slug),
            "from": .text(format.day(range.from)), "to": .text(format.day(range.to.addingTimeInterval(-1))),
        ]
        context["empty"] = .flag(data.isEmpty)
        context["sections"] = .list(sections)
        context["totals"] = totals.first ?? .object([:])
        context["downloads"] = [
            "csv": .text(range.slug + ".csv"), "xlsx": .text(range.slug + ".xlsx"),
            "pdf": configuration.chromium == nil ? .text("") : .text(range.slug + ".pdf"),
        ]
        let html = Data(templates.render(.object(context), template: "report").utf8)
        let sheet = Spreadsheet(sheetName: title, rows: cells)

        let root = configuration.outputDirectory
        try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        var written = [base + ".html", base + ".csv", base + ".xlsx"]
        // The report's stylesheet (its print rules put it on A4) even before any `ft generate`.
        try SiteWriter.replace(root + "/admin.css", with: templates.stylesheet)
        try SiteWriter.replace(root + "/" + base + ".html", with: html)
        try SiteWriter.replace(root + "/" + base + ".csv", with: sheet.csv())
        let workbook = root + "/" + base + ".xlsx.tmp"
        try sheet.writeXLSX(to: workbook)
        guard rename(workbook, root + "/" + base + ".xlsx") == 0 else { throw SiteError.output(root + "/" + base + ".xlsx", reason: String(cString: strerror(errno))) }
        if let chromium = configuration.chromium {
            try PDFPrinter(chromium: chromium).print(root + "/" + base + ".html", to: root + "/" + base + ".pdf")
            written.append(base + ".pdf")
        }
        try SiteWriter.replace(root + "/\(Self.reportsFolder)/index.html", with: reportsPage(templates: templates, views: views))
        written.append("\(Self.reportsFolder)/index.html")
        return AdminReport(files: written, written: written, seconds: Self.seconds(since: started), empty: data.isEmpty)
    }

    /// A report's title, in French ("Rapport de la semaine 48, du 23 au 29 novembre 2026").
    public func reportTitle(_ period: ReportPeriod, containing day: Date) throws -> String {
        let templates = try AdminTemplates(directory: configuration.templatesDirectory, locale: configuration.locale)
        return FrenchFormat(strings: templates.strings).fill("admin_report_title_" + period.rawValue, ["period": period.label(containing: day)])
    }

    /// Every report on disk, newest first.
    func reportIndex(views: AdminViews) -> [TemplateValue] {
        var entries: [(period: ReportPeriod, slug: String)] = []
        for period in ReportPeriod.allCases {
            let folder = "\(configuration.outputDirectory)/\(Self.reportsFolder)/\(period.rawValue)"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasSuffix(".html") {
                entries.append((period, String(name.dropLast(".html".count))))
            }
        }
        return entries.sorted { ($0.slug, $0.period.rawValue) > ($1.slug, $1.period.rawValue) }.map { entry in
            let folder = "\(Self.reportsFolder)/\(entry.period.rawValue)"
            let pdf = FileManager.default.fileExists(atPath: "\(configuration.outputDirectory)/\(folder)/\(entry.slug).pdf")
            return [
                "kind": .text(views.format.string("admin_period_" + entry.period.rawValue)), "slug": .text(entry.period.label(slug: entry.slug) ?? entry.slug),
                "html": .text("\(folder)/\(entry.slug).html"), "csv": .text("\(folder)/\(entry.slug).csv"),
                "xlsx": .text("\(folder)/\(entry.slug).xlsx"), "pdf": pdf ? .text("\(folder)/\(entry.slug).pdf") : .text(""),
            ]
        }
    }

    private func reportsPage(templates: AdminTemplates, views: AdminViews) -> Data {
        var context = views.base(title: views.format.string("admin_reports_title"), root: "../")
        // Links from rapports/index.html are relative to that folder.
        let index = reportIndex(views: views)
        context["hasReports"] = .flag(!index.isEmpty)
        context["reports"] = .list(index.map { entry in
            guard case .object(var object) = entry else { return entry }
            for key in ["html", "csv", "xlsx", "pdf"] {
                if case .text(let path) = object[key], !path.isEmpty { object[key] = .text(String(path.dropFirst(Self.reportsFolder.count + 1))) }
            }
            return .object(object)
        })
        return Data(templates.render(.object(context), template: "reports").utf8)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// The dashboard's four reads, filled from four threads.
private final class DashboardReads: @unchecked Sendable {
    struct Slots {
        var metrics: Result<DashboardMetrics, any Error>?
        var assignments: Result<[OpenAssignment], any Error>?
        var steps: Result<[OpenStep], any Error>?
        var users: Result<[UserActivity], any Error>?
        var seconds: [String: Double] = [:]
    }

    private let lock = NSLock()
    private var slots = Slots()

    func set(_ change: (inout Slots) -> Void) {
        lock.withLock { change(&slots) }
    }

    var seconds: [String: Double] { lock.withLock { slots.seconds } }

    func results() throws -> (DashboardMetrics, [OpenAssignment], [OpenStep], [UserActivity]) {
        let slots = lock.withLock { self.slots }
        guard let metrics = slots.metrics, let assignments = slots.assignments, let steps = slots.steps, let users = slots.users else {
            throw SiteError.output("the admin folder", reason: "a read did not finish")
        }
        return (try metrics.get(), try assignments.get(), try steps.get(), try users.get())
    }
}
