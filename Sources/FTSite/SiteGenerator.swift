internal import Dispatch
internal import Foundation
internal import FTModel
public import FTStore
internal import Synchronization

/// Where a running build is, for a progress bar.
public struct SiteProgress: Sendable {
    public var phase: String
    public var done: Int
    public var total: Int
}

/// What a build did.
public struct SiteReport: Sendable {
    /// Files the site is made of (pages, feeds, assets).
    public var files: Int
    public var written: [String]
    public var unchanged: Int
    public var removed: [String]
    public var seconds: Double
    /// Published experts.
    public var experts: Int
    /// Seconds spent reading the database, rendering and writing.
    public var phases: [(name: String, seconds: Double)]
}

/// Renders the public marketplace from the database into static files.
///
/// A build reads one consistent snapshot, renders every page in memory (on all cores), and only
/// then writes, so a template or data error leaves the previous site as it was.
public struct SiteGenerator: Sendable {
    public let configuration: SiteConfiguration

    public init(configuration: SiteConfiguration) {
        self.configuration = configuration
    }

    public func generate(from database: AppDatabase, progress: @escaping @Sendable (SiteProgress) -> Void = { _ in }) throws -> SiteReport {
        let started = ContinuousClock.now
        var phases: [(name: String, seconds: Double)] = []
        var mark = started
        func lap(_ name: String) {
            let now = ContinuousClock.now
            phases.append((name, Self.seconds(now - mark)))
            mark = now
        }
        let templates = try SiteTemplates(directory: configuration.templatesDirectory, locale: configuration.locale)
        progress(SiteProgress(phase: "reading", done: 0, total: 1))
        let snapshot = try database.siteSnapshot()
        lap("read")
        let format = FrenchFormat(strings: templates.strings)
        let model = SiteModel(snapshot: snapshot, format: format)
        let views = SiteViews(model: model, format: format, configuration: configuration, stylesheetPath: templates.stylesheetPath)

        let jobs = plan(model)
        lap("model")
        // Pages are written as soon as they are rendered, on every core: rendering cannot fail
        // once the templates have loaded, so a template error has already stopped the build.
        let writer = try SiteWriter(directory: configuration.outputDirectory, clean: configuration.clean)
        var written = try renderAndWrite(jobs, views: views, templates: templates, writer: writer, progress: progress)
        var extras: [String: Data] = [:]
        extras[templates.stylesheetPath] = templates.stylesheet
        for (path, data) in templates.assets { extras[path] = data }
        extras["recherche/experts.json"] = SearchIndex.build(model: model)
        extras["sitemap.xml"] = Data(Feeds.sitemap(paths: jobs.filter(\.inSitemap).map(\.sitemapPath), baseURL: configuration.baseURL).utf8)
        extras["flux/nouveaux-experts.xml"] = Data(Feeds.atom(model: model, baseURL: configuration.baseURL, format: format).utf8)
        extras["robots.txt"] = Data(Feeds.robots(baseURL: configuration.baseURL).utf8)
        for path in extras.keys.sorted() {
            if let bytes = extras[path], try writer.put(path, bytes) { written.append(path) }
        }
        let allPaths = Set(jobs.map(\.path)).union(extras.keys)
        let removed = try writer.finish(paths: allPaths)
        progress(SiteProgress(phase: "writing", done: allPaths.count, total: allPaths.count))
        lap("render+write")
        let elapsed = ContinuousClock.now - started
        return SiteReport(
            files: allPaths.count,
            written: written.sorted(),
            unchanged: allPaths.count - written.count,
            removed: removed,
            seconds: Self.seconds(elapsed),
            experts: model.experts.count,
            phases: phases
        )
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Every page of the site.
    func plan(_ model: SiteModel) -> [PageJob] {
        var jobs: [PageJob] = [.home, .search, .notFound]
        for (index, listing) in model.listings.enumerated() {
            let pages = max(1, (listing.members.count + configuration.pageSize - 1) / configuration.pageSize)
            for page in 1...pages {
                jobs.append(.listing(index: index, page: page, pages: pages, path: SiteViews.listingPath(listing.path, page: page) + "index.html"))
            }
        }
        for (index, published) in model.experts.enumerated() {
            jobs.append(.expert(index: index, path: "experts/\(published.expert.slug)/index.html"))
        }
        return jobs
    }

    /// Renders and writes the pages on every core; returns the paths written. The first error
    /// stops every worker.
    private func renderAndWrite(
        _ jobs: [PageJob], views: SiteViews, templates: SiteTemplates, writer: SiteWriter,
        progress: @escaping @Sendable (SiteProgress) -> Void
    ) throws -> [String] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let results = PartsCollector<String>(workers: workers)
        let failure = Mutex<(any Error)?>(nil)
        let done = Atomic<Int>(0)
        let total = jobs.count
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var written: [String] = []
            var index = worker
            while index < total, failure.withLock({ $0 == nil }) {
                let job = jobs[index]
                do {
                    let html = try templates.render(job.context(views), template: job.template)
                    if try writer.put(job.path, Data(html.utf8)) { written.append(job.path) }
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    break
                }
                let finished = done.add(1, ordering: .relaxed).newValue
                if finished % 250 == 0 { progress(SiteProgress(phase: "rendering", done: finished, total: total)) }
                index += workers
            }
            results.store(written, at: worker)
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.joined()
    }
}

/// One page to render.
enum PageJob: Sendable {
    case home
    case search
    case notFound
    case listing(index: Int, page: Int, pages: Int, path: String)
    case expert(index: Int, path: String)

    var path: String {
        switch self {
        case .home: "index.html"
        case .search: "recherche/index.html"
        case .notFound: "404.html"
        case .listing(_, _, _, let path), .expert(_, let path): path
        }
    }

    var template: String {
        switch self {
        case .home: "home"
        case .search: "search"
        case .notFound: "not-found"
        case .listing: "listing"
        case .expert: "expert"
        }
    }

    /// The address in the sitemap: the folder, not its `index.html`.
    var sitemapPath: String {
        path.hasSuffix("index.html") ? String(path.dropLast("index.html".count)) : path
    }

    /// Pages a search engine should index.
    var inSitemap: Bool {
        switch self {
        case .notFound, .search: false
        default: true
        }
    }

    func context(_ views: SiteViews) -> TemplateValue {
        switch self {
        case .home: views.home()
        case .search: views.search()
        case .notFound: views.notFound()
        case .listing(let index, let page, let pages, _): views.listing(views.model.listings[index], page: page, pageCount: pages)
        case .expert(let index, _): views.expert(index)
        }
    }
}
