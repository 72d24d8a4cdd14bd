internal import Dispatch
internal import Foundation
public import FTStore
internal import Synchronization

/// Rebuilds the public site after data changes: usually a targeted build (tens of milliseconds).
public typealias SiteRebuilder = Rebuilder<SiteReport>

extension Rebuilder where Output == SiteReport {
    public convenience init(generator: SiteGenerator, database: AppDatabase, delay: Duration = .milliseconds(500), report: @escaping @Sendable (Result<SiteReport, any Error>) -> Void = { _ in }) {
        self.init(delay: delay, work: { try generator.generate(from: database) }, report: report)
    }
}

/// Redoes some work after data changes, debounced: `changed()` is cheap and may be called after
/// every commit; the work starts `delay` after the first call, changes that arrive during a run
/// start another one after it, and runs never overlap. Each runs on its own thread, off the
/// server's request threads.
public final class Rebuilder<Output: Sendable>: Sendable {
    private struct State {
        var pending = false
        /// A change someone waits to see: the next run starts without the delay.
        var prompt = false
        var running = false
        var builds = 0
        var stopped = false
    }

    private let work: @Sendable () throws -> Output
    private let delay: Duration
    private let report: @Sendable (Result<Output, any Error>) -> Void
    private let state = Mutex(State())

    public init(delay: Duration, work: @escaping @Sendable () throws -> Output, report: @escaping @Sendable (Result<Output, any Error>) -> Void = { _ in }) {
        self.work = work
        self.delay = delay
        self.report = report
    }

    /// Runs finished so far.
    public var builds: Int { state.withLock { $0.builds } }

    /// Notes that the data changed; a build follows, `delay` later — or as soon as the run under
    /// way (if any) is over when `promptly` (a person saved something and looks for it).
    public func changed(promptly: Bool = false) {
        let start = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.pending = true
            if promptly { state.prompt = true }
            guard !state.running else { return false }
            state.running = true
            return true
        }
        if start { Task.detached { await self.run() } }
    }

    /// Refuses new runs and returns once the run under way, if any, is over (a change noted
    /// but not built yet is dropped: the next start builds it).
    public func stop() async {
        state.withLock { $0.stopped = true }
        while state.withLock({ $0.running }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    private func run() async {
        while true {
            // In slices, so that a prompt change (or a stop) cuts the wait short.
            let clock = ContinuousClock()
            let deadline = clock.now + delay
            while clock.now < deadline, !state.withLock({ $0.prompt || $0.stopped }) {
                try? await Task.sleep(for: min(.milliseconds(5), deadline - clock.now))
            }
            let go = state.withLock { state -> Bool in
                guard state.pending, !state.stopped else {
                    state.running = false
                    return false
                }
                state.pending = false
                state.prompt = false
                return true
            }
            guard go else { return }
            let result: Result<Output, any Error> = await withCheckedContinuation { continuation in
                DispatchQueue.global(qos: .utility).async {
                    continuation.resume(returning: Result { try self.work() })
                }
            }
            state.withLock { $0.builds += 1 }
            report(result)
        }
    }
}
