internal import Dispatch
internal import Foundation
public import FTStore
internal import Synchronization

/// Rebuilds the site after data changes, debounced: `changed()` is cheap and may be called after
/// every commit; the build starts `delay` after the first call, changes that arrive during a
/// build start another one after it, and builds never overlap. A build runs on its own thread,
/// off the server's request threads. Usually a targeted build (tens of milliseconds).
public final class SiteRebuilder: Sendable {
    private struct State {
        var pending = false
        var running = false
        var builds = 0
    }

    private let generator: SiteGenerator
    private let database: AppDatabase
    private let delay: Duration
    private let report: @Sendable (Result<SiteReport, any Error>) -> Void
    private let state = Mutex(State())

    public init(generator: SiteGenerator, database: AppDatabase, delay: Duration = .milliseconds(500), report: @escaping @Sendable (Result<SiteReport, any Error>) -> Void = { _ in }) {
        self.generator = generator
        self.database = database
        self.delay = delay
        self.report = report
    }

    /// Builds finished so far.
    public var builds: Int { state.withLock { $0.builds } }

    /// Notes that the data changed; a build follows.
    public func changed() {
        let start = state.withLock { state -> Bool in
            state.pending = true
            guard !state.running else { return false }
            state.running = true
            return true
        }
        if start { Task.detached { await self.run() } }
    }

    private func run() async {
        while true {
            try? await Task.sleep(for: delay)
            let go = state.withLock { state -> Bool in
                guard state.pending else {
                    state.running = false
                    return false
                }
                state.pending = false
                return true
            }
            guard go else { return }
            let result: Result<SiteReport, any Error> = await withCheckedContinuation { continuation in
                DispatchQueue.global(qos: .utility).async {
                    continuation.resume(returning: Result { try self.generator.generate(from: self.database) })
                }
            }
            state.withLock { $0.builds += 1 }
            report(result)
        }
    }
}
