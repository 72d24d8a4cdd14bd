internal import Foundation
internal import HTTPTypes
internal import Synchronization
#if canImport(Glibc)
internal import Glibc
#endif

/// Work a request may ask for that takes the processor for long — checking a password (PBKDF2,
/// slow by design) or reading a large push body — runs here: one job at a time, on a thread of its
/// own that the kernel schedules behind every other thread of the server (`niceness`). The threads
/// that serve requests, push and deliver stay ahead of it, so a burst of sign-ins or of huge bodies
/// from one user only takes the processor time nobody else wants. Past `maximumWaiting` jobs in
/// line, a request is refused at once (503, try again) rather than queued without bound.
///
/// Nothing here may hold a lock another thread waits for (the SQLite writer above all): a thread
/// this far behind would keep it held while the others wait.
final class HeavyWork: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var started = false
    }

    private let state = Mutex(State())
    private let ready = DispatchSemaphore(value: 0)
    let maximumWaiting: Int
    /// The thread's nice value (Linux: per thread). 10 gives it about a tenth of a busy core's
    /// share against threads at 0.
    static let niceness: Int32 = 10

    init(maximumWaiting: Int = 64) {
        self.maximumWaiting = maximumWaiting
    }

    static let busy = APIError(.serviceUnavailable, "busy", "the server is busy with other requests of this kind; try again in a moment")

    func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let admitted = state.withLock { state -> Bool in
                guard state.jobs.count < maximumWaiting else { return false }
                state.jobs.append { continuation.resume(with: Result { try work() }) }
                if !state.started {
                    state.started = true
                    startThread()
                }
                return true
            }
            if admitted { ready.signal() } else { continuation.resume(throwing: Self.busy) }
        }
    }

    /// One thread for the process's life, started by the first job.
    private func startThread() {
        let thread = Thread { [self] in
            #if canImport(Glibc)
            // On Linux `setpriority` with who = 0 changes the calling thread only.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness)
            #endif
            while true {
                ready.wait()
                let job = state.withLock { $0.jobs.removeFirst() }
                job()
            }
        }
        thread.name = "ft.heavy-work"
        thread.start()
    }
}
