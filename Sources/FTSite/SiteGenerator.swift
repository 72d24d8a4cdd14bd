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
    public enum Mode: String, Sendable {
        /// Every page rendered (first build, `--clean`, new templates, or an expert appeared,
        /// disappeared or moved); only the changed files written.
        case full
        /// Only the pages showing the experts whose ratings or profile changed were rendered.
        case targeted
    }

    public var mode: Mode
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
        let templates = try SiteTemplates(directory: configuration.templatesDirectory, locale: configuration.locale, syncDirectory: configuration.syncDirectory)
        let inputs = SiteState.fingerprint(templates: templates, configuration: configuration)
        if !configuration.clean, let state = SiteState.load(from: configuration.outputDirectory), state.inputs == inputs {
            let changes = try database.siteChanges(after: state.changeSeq)
            if changes.epoch == state.epoch, !changes.incomplete, !changes.structural,
                let report = try targeted(state, changes: changes, templates: templates, database: database, started: started)
            {
                return report
            }
        }
        return try full(templates: templates, inputs: inputs, database: database, started: started, progress: progress)
    }

    /// Renders every page; writes the files whose bytes changed, removes those that are gone.
    private func full(templates: SiteTemplates, inputs: String, database: AppDatabase, started: ContinuousClock.Instant, progress: @escaping @Sendable (SiteProgress) -> Void) throws -> SiteReport {
        var phases: [(name: String, seconds: Double)] = []
        var mark = started
        func lap(_ name: String) {
            let now = ContinuousClock.now
            phases.append((name, Self.seconds(now - mark)))
            mark = now
        }
        lap("templates")
        // The state goes first: if the build stops half-way, the next one is a full one.
        SiteState.remove(from: configuration.outputDirectory)
        let writer = try SiteWriter(directory: configuration.outputDirectory, clean: configuration.clean, stageIfNew: true)
        progress(SiteProgress(phase: "reading", done: 0, total: 1))
        let changes: SiteChanges
        let snapshot: SiteSnapshot
        do {
            // Read before the snapshot: a change in between is in both, and re-applying it is harmless.
            changes = try database.siteChanges(after: .max)
            snapshot = try database.siteSnapshot(answeredSince: configuration.answeredSince)
        } catch {
            writer.discard()
            throw error
        }
        lap("read")
        // In a new folder, the experts' folders are made on a thread of their own while the model is built.
        let folders = writer.isStaged ? writer.makeFolders(snapshot.experts.map { "experts/\($0.expert.slug)" }) : nil
        let format = FrenchFormat(strings: templates.strings)
        let model = SiteModel(snapshot: snapshot, format: format)
        lap("model")
        let views = SiteViews(model: model, format: format, configuration: configuration, stylesheetPath: templates.stylesheetPath, stylesheet: templates.stylesheet, prerenderingBios: true)
        let jobs = plan(model)
        lap("views")
        var written: [String]
        let made: Extras
        do {
            defer { views.bios?.stop() }
            (written, made) = try renderPages(jobs, model: model, views: views, templates: templates, format: format, writer: writer, state: (changes, inputs), progress: progress)
            folders?.wait()
            if !writer.isStaged {
                for path in made.files.keys.sorted() {
                    if let bytes = made.files[path], try writer.put(path, bytes) { written.append(path) }
                }
            }
        } catch {
            folders?.wait()
            writer.discard()
            throw error
        }
        lap("render+write")
        let allPaths = made.paths
        let removed = try writer.finish(paths: allPaths)
        // The rows before the state that names their digest: a build stopped in between is a full one next.
        try SiteWriter.replace(configuration.outputDirectory + "/" + SearchIndex.rowsFileName, with: made.searchRows)
        try SiteState.save(try made.state.get(), to: configuration.outputDirectory)
        progress(SiteProgress(phase: "writing", done: allPaths.count, total: allPaths.count))
        lap("finish")
        let elapsed = ContinuousClock.now - started
        let report = SiteReport(
            mode: .full,
            files: allPaths.count,
            written: written.sorted(),
            unchanged: allPaths.count - written.count,
            removed: removed,
            seconds: Self.seconds(elapsed),
            experts: model.experts.count,
            phases: phases
        )
        // The snapshot, model and views (a full build's cards and remembered fragments) are
        // freed on another thread: it took the caller 40 ms. The box's one reference is handed
        // over unmanaged, so that the last release is surely the other thread's.
        let leftovers = Unmanaged.passRetained(Leftovers(snapshot: consume snapshot, model: consume model, views: consume views, jobs: consume jobs))
        DispatchQueue.global(qos: .utility).async { leftovers.release() }
        return report
    }

    /// Every file besides the pages: stylesheet, assets, the app, the search index, sitemap,
    /// feed, robots.txt (path → bytes), and the search rows the next build starts from.
    func extras(model: SiteModel, views: SiteViews, templates: SiteTemplates, format: FrenchFormat, jobs: [PageJob]) -> (files: [String: Data], searchRows: Data) {
        let rows = SearchIndex.rows(model: model)
        var files = SearchFiles.files(rows: rows, products: model.products)
        files[templates.stylesheetPath] = templates.stylesheet
        for (path, data) in templates.assets { files[path] = data }
        for (path, data) in PlaceShards.files(templates.places) { files[path] = data }
        for page in templates.legal {
            // The template was checked when loaded: rendering it cannot fail.
            if let html = try? templates.render(views.legal(slug: page.slug, title: page.title, markdown: page.markdown), template: "legal") {
                files[page.slug + "/index.html"] = Data(html.utf8)
            }
        }
        for page in SiteViews.accountPages {
            if let html = try? templates.render(views.account(path: page.path, kind: page.kind), template: "account") {
                files[page.path + "index.html"] = Data(html.utf8)
            }
        }
        if let icon = templates.assets["assets/app-icon-192.png"] { files["favicon.ico"] = Favicon.ico(png: icon, size: 192) }
        for name in templates.appTemplates.keys where !name.hasPrefix("_") {
            files["app/" + name] = Data(templates.renderApp(views.app(file: name, build: templates.appBuild), file: name).utf8)
        }
        files["sitemap.xml"] = Data(Feeds.sitemap(paths: jobs.filter(\.inSitemap).map(\.sitemapPath) + templates.legal.map { $0.slug + "/" } + ["compte/inscription/"], baseURL: configuration.baseURL).utf8)
        files[Self.feedPath] = Data(Feeds.atom(model: model, baseURL: configuration.baseURL, format: format).utf8)
        files["robots.txt"] = Data(Feeds.robots(baseURL: configuration.baseURL).utf8)
        return (files, SearchIndex.encode(rows))
    }

    static let candidateCount = 64
    static let topRatedCount = 8
    static let feedPath = "flux/nouveaux-experts.xml"

    /// Where everything is, for the next build.
    func state(model: SiteModel, jobs: [PageJob], changes: SiteChanges, inputs: String, files: Int, searchRows: Data) -> SiteState {
        let ids = model.experts.map { $0.expert.id ?? 0 }
        var pages: [SiteState.ListingPage] = []
        for job in jobs {
            guard case .listing(let index, let page, let count, let path) = job else { continue }
            let listing = model.listings[index]
            let members = listing.members.dropFirst((page - 1) * configuration.pageSize).prefix(configuration.pageSize).map { ids[$0] }
            pages.append(SiteState.ListingPage(
                file: path, kind: listing.kind.rawValue, path: listing.path, title: listing.title, intro: listing.intro,
                page: page, pages: count, total: listing.total, members: SiteState.PackedIDs(Array(members))
            ))
        }
        // The 64 best-rated (of at least 3 ratings), in the order of the top-rated list.
        let candidates = model.experts.indices
            .filter { model.experts[$0].rating.count >= 3 }
            .map { index -> (candidate: SiteState.Candidate, average: Double, index: Int) in
                let rating = model.experts[index].rating
                let total = rating.histogram.enumerated().reduce(0) { $0 + ($1.offset + 1) * $1.element }
                return (SiteState.Candidate(id: ids[index], total: total, count: rating.count), Double(total) / Double(rating.count), index)
            }
            .sorted { ($0.average, $0.candidate.count, -$0.index) > ($1.average, $1.candidate.count, -$1.index) }
            .prefix(Self.candidateCount).map(\.candidate)
        return SiteState(
            epoch: changes.epoch, changeSeq: changes.latest, inputs: inputs, fileCount: files, order: SiteState.PackedIDs(ids), listingPages: SiteState.ListingPages(pages),
            similar: SiteState.packSimilar(model.similar.map { $0.map { ids[$0] } }),
            topRated: model.topRated.map { ids[$0] }, candidates: candidates,
            newest: model.newest.map { ids[$0] }, feed: Feeds.recent(model).map { ids[$0] },
            regionPaths: model.regionPaths,
            productCounts: Dictionary(uniqueKeysWithValues: model.productCounts.map { (String($0), $1) }),
            searchRows: SiteState.digest(searchRows)
        )
    }

    /// Re-renders only the pages that show the experts whose ratings or profile text changed:
    /// their own pages, the listing pages they are on, the pages that list them as similar, the
    /// home page and (if they are in it) the feed, and the search files from the kept rows with
    /// theirs made again. Returns nil when it cannot (the kept rows are not what the state says):
    /// the caller builds in full.
    private func targeted(_ previous: SiteState, changes: SiteChanges, templates: SiteTemplates, database: AppDatabase, started: ContinuousClock.Instant) throws -> SiteReport? {
        var state = previous
        var position: [Int64: Int] = [:]
        for (index, id) in state.order.enumerated() { position[id] = index }
        let affected = changes.experts.filter { position[$0] != nil }
        let mark = ContinuousClock.now

        var pageIndexes: [Int] = []
        for (index, page) in state.listingPages.enumerated() where page.members.contains(where: affected.contains) {
            pageIndexes.append(index)
        }
        var profiles = affected
        for (slot, id) in state.similar.values.enumerated() where id != 0 && affected.contains(id) {
            profiles.insert(state.order[slot / SiteState.similarSlots])
        }
        let (topRated, candidates) = try topRated(state, affected: affected, position: position, database: database)
        let feedChanged = state.feed.contains(where: affected.contains)

        var needed = profiles
        for id in profiles { if let at = position[id] { needed.formUnion(state.similar(at: at)) } }
        for index in pageIndexes { needed.formUnion(state.listingPages[index].members.values) }
        needed.formUnion(topRated)
        needed.formUnion(state.newest)
        if feedChanged { needed.formUnion(state.feed) }
        let snapshot = try database.siteSnapshot(answeredSince: configuration.answeredSince, only: needed)
        let readSeconds = Self.seconds(ContinuousClock.now - mark)

        let format = FrenchFormat(strings: templates.strings)
        let model = SiteModel(partial: snapshot, state: state, listingPages: pageIndexes.map { state.listingPages[$0] }, topRated: topRated, pageSize: configuration.pageSize)
        var local: [Int64: Int] = [:]
        for (index, published) in model.experts.enumerated() { if let id = published.expert.id { local[id] = index } }
        let views = SiteViews(model: model, format: format, configuration: configuration, stylesheetPath: templates.stylesheetPath, stylesheet: templates.stylesheet)
        // The changed experts' own pages first: someone who just saved their profile is looking
        // at one of them; the listings, the home page and the similar profiles follow.
        var jobs: [PageJob] = []
        for id in affected.sorted() + profiles.subtracting(affected).sorted() {
            guard let index = local[id] else { continue }
            jobs.append(.expert(index: index, path: "experts/\(model.experts[index].expert.slug)/index.html"))
        }
        for (listingIndex, stateIndex) in pageIndexes.enumerated() {
            let page = state.listingPages[stateIndex]
            jobs.append(.listing(index: listingIndex, page: page.page, pages: page.pages, path: page.file))
        }
        jobs += feedChanged ? [.home, .feed] : [.home]

        let writer = try SiteWriter(directory: configuration.outputDirectory, clean: false)
        var written: [String] = []
        for job in jobs {
            let html = try templates.render(job.context(views), template: job.template)
            if try writer.put(job.path, Data(html.utf8)) { written.append(job.path) }
        }
        if feedChanged, try writer.put(Self.feedPath, Data(Feeds.atom(model: model, baseURL: configuration.baseURL, format: format).utf8)) {
            written.append(Self.feedPath)
        }
        if !affected.isEmpty {
            guard let searchWritten = try searchFiles(&state, affected: affected.compactMap { id in
                guard let at = position[id], let modelIndex = local[id] else { return nil }
                return (at, modelIndex)
            }, model: model, writer: writer) else { return nil }
            written += searchWritten
        }
        state.changeSeq = changes.latest
        state.topRated = topRated
        state.candidates = candidates
        try state.save(to: configuration.outputDirectory)
        return SiteReport(
            mode: .targeted,
            files: state.fileCount,
            written: written.sorted(),
            unchanged: state.fileCount - written.count,
            removed: [],
            seconds: Self.seconds(ContinuousClock.now - started),
            experts: state.order.count,
            phases: [("read", readSeconds), ("render+write", Self.seconds(ContinuousClock.now - mark) - readSeconds)]
        )
    }

    /// The search files after the rows at `changed` (positions in the listing → indexes in the
    /// partial model) were made again from `model`, written where their bytes changed; the state
    /// takes the new rows' digest. Nil when the kept rows are not the state's, or when a word file
    /// would appear or go (the caller builds in full, which removes files gone).
    private func searchFiles(_ state: inout SiteState, affected changed: [(position: Int, modelIndex: Int)], model: SiteModel, writer: SiteWriter) throws -> [String]? {
        let rowsPath = configuration.outputDirectory + "/" + SearchIndex.rowsFileName
        guard let kept = FileManager.default.contents(atPath: rowsPath), SiteState.digest(kept) == state.searchRows,
            var rows = SearchIndex.decode(kept), rows.count == state.order.count
        else { return nil }
        let fresh = SearchIndex.rows(changed.map(\.modelIndex), model: model)
        for (change, row) in zip(changed, fresh) { rows[change.position] = row }
        let files = SearchFiles.files(rows: rows, products: model.products)
        let wordFiles = Set(files.keys.filter { $0.hasPrefix(SearchFiles.wordsFolder) })
        let existing = Set(((try? FileManager.default.contentsOfDirectory(atPath: configuration.outputDirectory + "/" + SearchFiles.wordsFolder)) ?? []).map { SearchFiles.wordsFolder + $0 })
        guard wordFiles == existing else { return nil }
        var written: [String] = []
        for path in files.keys.sorted() {
            if let bytes = files[path], try writer.put(path, bytes) { written.append(path) }
        }
        let encoded = SearchIndex.encode(rows)
        try SiteWriter.replace(rowsPath, with: encoded)
        state.searchRows = SiteState.digest(encoded)
        return written
    }

    /// The home page's top-rated experts after `affected` changed, found among the state's
    /// candidates: every expert outside them ranks below each unaffected candidate, so with at
    /// least 8 of those the best 8 are among the candidates and the affected experts. Affected
    /// experts that now rank below the weakest unaffected candidate leave the candidates (they
    /// are outsiders like the others). With too few candidates left, all totals are read again.
    private func topRated(_ state: SiteState, affected: Set<Int64>, position: [Int64: Int], database: AppDatabase) throws -> ([Int64], [SiteState.Candidate]) {
        func ranked(_ candidates: [SiteState.Candidate]) -> [SiteState.Candidate] {
            candidates.sorted {
                (Double($0.total) / Double($0.count), $0.count, -(position[$0.id] ?? 0)) > (Double($1.total) / Double($1.count), $1.count, -(position[$1.id] ?? 0))
            }
        }
        let unaffected = state.candidates.filter { !affected.contains($0.id) }
        if unaffected.count >= Self.topRatedCount {
            let fresh = try database.ratingTotals(minimumCount: 3, only: affected)
                .filter { position[$0.expertId] != nil }
                .map { SiteState.Candidate(id: $0.expertId, total: $0.total, count: $0.count) }
            guard let weakest = unaffected.last else { return ([], []) }
            let all = ranked(unaffected + fresh)
            let cut = (all.firstIndex(of: weakest) ?? all.count - 1) + 1
            let kept = Array(all.prefix(cut))
            return (kept.prefix(Self.topRatedCount).map(\.id), kept)
        }
        let all = ranked(try database.ratingTotals(minimumCount: 3).filter { position[$0.expertId] != nil }.map {
            SiteState.Candidate(id: $0.expertId, total: $0.total, count: $0.count)
        })
        return (all.prefix(Self.topRatedCount).map(\.id), Array(all.prefix(Self.candidateCount)))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Every page of the site.
    func plan(_ model: SiteModel) -> [PageJob] {
        var jobs: [PageJob] = [.home, .search, .notFound, .feed]
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

    /// Renders and writes the pages on every core, each worker taking the next page as it is
    /// free; the first worker runs `first` before. Returns the paths written. The first error
    /// stops every worker.
    func renderAndWrite(
        _ jobs: [PageJob], views: SiteViews, templates: SiteTemplates, writer: SiteWriter,
        progress: @escaping @Sendable (SiteProgress) -> Void, first: @Sendable () throws -> Void = {}
    ) throws -> [String] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let results = PartsCollector<String>(workers: workers)
        let failure = Mutex<(any Error)?>(nil)
        let failed = Atomic<Bool>(false)
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let total = jobs.count
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var written: [String] = []
            // One buffer per worker, reused from page to page (listing pages are 29-39 KB).
            var html: [UInt8] = []
            html.reserveCapacity(64 * 1_024)
            do {
                if worker == 0 { try first() }
                while !failed.load(ordering: .relaxed) {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    guard index < total else { break }
                    let job = jobs[index]
                    html.removeAll(keepingCapacity: true)
                    try templates.render(job.context(views), template: job.template, into: &html)
                    if try html.withUnsafeBytes({ try writer.put(job.path, bytes: $0) }) { written.append(job.path) }
                    let finished = done.add(1, ordering: .relaxed).newValue
                    if finished % 250 == 0 { progress(SiteProgress(phase: "rendering", done: finished, total: total)) }
                }
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
                failed.store(true, ordering: .relaxed)
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
    case feed
    case listing(index: Int, page: Int, pages: Int, path: String)
    case expert(index: Int, path: String)

    var path: String {
        switch self {
        case .home: "index.html"
        case .search: "recherche/index.html"
        case .notFound: "404.html"
        case .feed: "flux/index.html"
        case .listing(_, _, _, let path), .expert(_, let path): path
        }
    }

    var template: String {
        switch self {
        case .home: "home"
        case .search: "search"
        case .notFound: "not-found"
        case .feed: "feed"
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
        case .feed: views.feed()
        case .listing(let index, let page, let pages, _): views.listing(views.model.listings[index], page: page, pageCount: pages)
        case .expert(let index, _): views.expert(index)
        }
    }
}
