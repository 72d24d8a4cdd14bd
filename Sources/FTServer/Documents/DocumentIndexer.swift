internal import FTArchive
internal import FTModel
internal import FTStore
internal import Foundation
internal import Logging
internal import Synchronization

/// Keeps the document search index up to date, off the request path: after an upload (and once at
/// start, for what a stopped server left), it extracts the text of every version not looked at yet,
/// one at a time, in the background. Never two runs at once; a call during a run makes it go round
/// once more.
final class DocumentIndexer: Sendable {
    let database: AppDatabase
    let extractor: TextExtractor
    let index: BlindIndex
    let logger: Logger
    private let state = Mutex<(running: Bool, again: Bool)>((false, false))

    init(database: AppDatabase, contents: DocumentContents, logger: Logger) {
        self.database = database
        extractor = TextExtractor(contents: contents)
        index = contents.blobs.blindIndex
        self.logger = logger
    }

    /// Starts a run, or asks the current one to look again when it is done.
    func schedule() {
        let start = state.withLock { state -> Bool in
            if state.running {
                state.again = true
                return false
            }
            state.running = true
            return true
        }
        guard start else { return }
        Task.detached(priority: .utility) { [self] in
            while true {
                indexPending()
                let more = state.withLock { state -> Bool in
                    if state.again {
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

    /// Extracts and records the text of every version not indexed yet.
    func indexPending() {
        do {
            while true {
                let versions = try database.versionsToIndex(limit: 20)
                if versions.isEmpty { return }
                for version in versions {
                    let extraction = extractor.extract(version)
                    if case .failed(let why) = extraction {
                        logger.warning("document text not extracted", metadata: ["version": "\(version.id)", "reason": "\(why)"])
                    }
                    try database.recordText(extraction, versionId: version.id, fileName: version.fileName, index: index, at: Date())
                }
            }
        } catch {
            logger.error("document indexing stopped: \(error)")
        }
    }
}
