internal import FTArchive
internal import FTModel
internal import FTStore
internal import Foundation
internal import Logging
internal import Synchronization

/// Keeps the document search index up to date, off the request path: after an upload (and once at
/// start, for what a stopped server left), it extracts the text of every version not looked at yet,
/// one at a time, in the background. Never two runs at once; a call during a run makes it go round
/// once more. `stop()` ends it between two batches.
final class DocumentIndexer: Sendable {
    private struct State {
        var running = false
        var again = false
        var stopped = false
    }

    let database: AppDatabase
    let extractor: TextExtractor
    let index: BlindIndex
    let logger: Logger
    private let state = Mutex(State())

    /// Each batch waits for a quiet moment: people's writes go first.
    let activity: ForegroundActivity

    init(database: AppDatabase, contents: DocumentContents, activity: ForegroundActivity, logger: Logger) {
        self.database = database
        self.activity = activity
        extractor = TextExtractor(contents: contents)
        index = contents.blobs.blindIndex
        self.logger = logger
    }

    /// Starts a run, or asks the current one to look again when it is done.
    func schedule() {
        let start = state.withLock { state -> Bool in
            if state.stopped { return false }
            if state.running {
                state.again = true
                return false
            }
            state.running = true
            return true
        }
        guard start else { return }
        // A thread of its own, not Swift's two-thread pool: the run blocks on the disk and waits.
        Thread.detachNewThread { [self] in
            while true {
                indexPending()
                let more = state.withLock { state -> Bool in
                    if state.again && !state.stopped {
                        state.again = false
                        return true
                    }
                    state.running = false
                    return false
                }
                if !more { return }
            }
        }
    }

    /// Ends the run under way after its current batch (what is left is indexed at the next start)
    /// and refuses new ones; returns once the run no longer touches the database.
    func stop() async {
        state.withLock { $0.stopped = true }
        while state.withLock({ $0.running }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    /// Extracts and records the text of every version not indexed yet (until stopped).
    func indexPending() {
        let start = ContinuousClock.now
        var done = 0
        do {
            var position: Int64 = 0
            while true {
                // In a pause, 8 versions per transaction (one disk sync for them all); under
                // pushes that never pause, one: its transaction holds the single writer for a few
                // milliseconds where 8 held it for 30-80 ms, and every push waited behind it (the
                // one-operation push p99 went from 13 to 60-190 ms).
                let quiet = activity.waitForQuiet()
                guard !isStopped else { return }
                let versions = try database.versionsToIndex(after: position, limit: quiet ? 8 : 1)
                guard let last = versions.last else {
                    if done >= 100 { logger.notice("document search: \(done) versions indexed in \(start.duration(to: .now))") }
                    return
                }
                position = last.position
                let texts = versions.map { _, version in
                    let extraction = extractor.extract(version)
                    if case .failed(let why) = extraction {
                        logger.warning("document text not extracted", metadata: ["version": "\(version.id)", "reason": "\(why)"])
                    }
                    return ExtractedText(versionId: version.id, fileName: version.fileName, extraction: extraction)
                }
                try database.recordTexts(texts, index: index, at: Date())
                done += texts.count
            }
        } catch {
            logger.error("document indexing stopped: \(error)")
        }
    }
}
