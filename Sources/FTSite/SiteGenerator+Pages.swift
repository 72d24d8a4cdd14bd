internal import Foundation
internal import FTStore
internal import Synchronization

extension SiteGenerator {
    /// What the first worker makes besides pages: the other files (path → bytes), every path of
    /// the site, the encoded state, the search rows kept beside it, and the files it wrote itself
    /// (in a staging folder).
    struct Extras: Sendable {
        let files: [String: Data]
        let paths: Set<String>
        let state: Result<Data, any Error>
        let searchRows: Data
        let written: [String]
    }

    /// What a full build no longer needs once it has written everything.
    final class Leftovers: Sendable {
        let snapshot: SiteSnapshot
        let model: SiteModel
        let views: SiteViews
        let jobs: [PageJob]

        init(snapshot: SiteSnapshot, model: SiteModel, views: SiteViews, jobs: [PageJob]) {
            self.snapshot = snapshot
            self.model = model
            self.views = views
            self.jobs = jobs
        }
    }

    /// A full build's pages, written as soon as they are rendered, on every core: rendering cannot
    /// fail once the templates have loaded, so a template error has already stopped the build.
    /// The other files (search index, sitemap, feed, app, assets) and the state are made by the
    /// first worker before it joins the others on the pages. In place, those files are written by
    /// the caller after the pages (a new expert is in the search index and sitemap only once its
    /// page exists); in a staging folder, which appears whole, the first worker writes them at once.
    ///
    /// A function of its own so that the first worker's closure, which holds copies of the model
    /// and views, is gone when it returns (the caller frees them on another thread).
    func renderPages(
        _ jobs: [PageJob], model: SiteModel, views: SiteViews, templates: SiteTemplates, format: FrenchFormat, writer: SiteWriter,
        state inputs: (changes: SiteChanges, inputs: String), progress: @escaping @Sendable (SiteProgress) -> Void
    ) throws -> (written: [String], extras: Extras) {
        let extras = Mutex<Extras?>(nil)
        let written = try renderAndWrite(jobs, views: views, templates: templates, writer: writer, progress: progress) {
            let made = self.extras(model: model, views: views, templates: templates, format: format, jobs: jobs)
            let paths = Set(jobs.map(\.path)).union(made.files.keys)
            let state = Result {
                try JSONEncoder().encode(self.state(model: model, jobs: jobs, changes: inputs.changes, inputs: inputs.inputs, files: paths.count, searchRows: made.searchRows))
            }
            var early: [String] = []
            if writer.isStaged {
                for path in made.files.keys.sorted() {
                    if let bytes = made.files[path], try writer.put(path, bytes) { early.append(path) }
                }
            }
            extras.withLock { $0 = Extras(files: made.files, paths: paths, state: state, searchRows: made.searchRows, written: early) }
        }
        guard let made = extras.withLock({ $0 }) else { preconditionFailure("the first worker makes the other files") }
        return (written + made.written, made)
    }
}
