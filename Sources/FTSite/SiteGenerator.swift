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
        let templates = try SiteTemplates(directory: configuration.templatesDirectory, locale: configuration.locale)
        progress(SiteProgress(phase: "reading", done: 0, total: 1))
        let snapshot = try database.siteSnapshot()
        let format = FrenchFormat(strings: templates.strings)
        let model = SiteModel(snapshot: snapshot, format: format)
        let views = SiteViews(model: model, format: format, configuration: configuration, stylesheetPath: templates.stylesheetPath)

        let jobs = plan(model)
        var files = try render(jobs, views: views, templates: templates, progress: progress)
        files[templates.stylesheetPath] = templates.stylesheet
        for (path, data) in templates.assets { files[path] = data }
        files["recherche/experts.json"] = SearchIndex.build(model: model)
        files["sitemap.xml"] = Data(Feeds.sitemap(paths: jobs.filter(\.inSitemap).map(\.path), baseURL: configuration.baseURL).utf8)
        files["flux/nouveaux-experts.xml"] = Data(Feeds.atom(model: model, baseURL: configuration.baseURL, format: format).utf8)
        files["robots.txt"] = Data(Feeds.robots(baseURL: configuration.baseURL).utf8)

        let writer = SiteWriter(directory: configuration.outputDirectory, clean: configuration.clean)
        let outcome = try writer.write(files) { done, total in
            progress(SiteProgress(phase: "writing", done: done, total: total))
        }
        let elapsed = ContinuousClock.now - started
        return SiteReport(
            files: files.count,
            written: outcome.written,
            unchanged: outcome.unchanged,
            removed: outcome.removed,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            experts: model.experts.count
        )
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

    /// Renders the pages on every core; the first error wins and nothing is returned.
    private func render(_ jobs: [PageJob], views: SiteViews, templates: SiteTemplates, progress: @escaping @Sendable (SiteProgress) -> Void) throws -> [String: Data] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let results = Mutex<[(String, Data)]>([])
        let failure = Mutex<(any Error)?>(nil)
        let done = Atomic<Int>(0)
        let total = jobs.count
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var local: [(String, Data)] = []
            local.reserveCapacity(total / workers + 1)
            var index = worker
            while index < total {
                do {
                    let job = jobs[index]
                    let html = try templates.render(job.context(views), template: job.template)
                    local.append((job.path, Data(html.utf8)))
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    return
                }
                let finished = done.add(1, ordering: .relaxed).newValue
                if finished % 250 == 0 { progress(SiteProgress(phase: "rendering", done: finished, total: total)) }
                index += workers
            }
            results.withLock { $0.append(contentsOf: local) }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.withLock { Dictionary($0, uniquingKeysWith: { first, _ in first }) }
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

    /// Pages a search engine should index (folders, not `index.html`).
    var inSitemap: Bool {
        switch self {
        case .notFound, .search: false
        default: true
        }
    }

    func context(_ views: SiteViews) -> [String: Any] {
        switch self {
        case .home: views.home()
        case .search: views.search()
        case .notFound: views.notFound()
        case .listing(let index, let page, let pages, _): views.listing(views.model.listings[index], page: page, pageCount: pages)
        case .expert(let index, _): views.expert(index)
        }
    }
}
