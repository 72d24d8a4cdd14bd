internal import Synchronization

/// A worker's pause between rounds that a commit can cut short: `sleep(upTo:)` returns after the
/// interval, or as soon as `wake()` is called — also a call made while the worker was busy, so
/// that nothing committed meanwhile waits for the next interval — but never before `gap`: a
/// stream of commits (thousands of synced messages a second) costs a few rounds a second, not one
/// per commit. One worker sleeps on it at a time; nothing runs while it sleeps.
final class Wakeup: Sendable {
    private struct State {
        var woken = false
        /// The pause's interval ended (or the worker was cancelled) before it began to wait.
        var over = false
        var sleeper: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func wake() {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let sleeper = state.sleeper else {
                state.woken = true
                return nil
            }
            state.sleeper = nil
            return sleeper
        }
        sleeper?.resume()
    }

    func sleep(upTo interval: Duration, gap: Duration = .milliseconds(100)) async {
        let start = ContinuousClock.now
        try? await Task.sleep(for: min(gap, interval))
        // The rest of the interval ends the pause unless a wake, or the worker's cancellation,
        // does first. The timer is done with before this returns, so it cannot end a later pause.
        let timer = Task { [self] in
            try? await Task.sleep(until: start + interval, clock: .continuous)
            endPause()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (sleeper: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.woken || state.over || Task.isCancelled { return true }
                    state.sleeper = sleeper
                    return false
                }
                if now { sleeper.resume() }
            }
        } onCancel: {
            endPause()
        }
        timer.cancel()
        await timer.value
        state.withLock { state in
            state.woken = false
            state.over = false
        }
    }

    /// The interval is over: the sleeper goes on, or will not wait (no wake is recorded).
    private func endPause() {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.sleeper = nil }
            if state.sleeper == nil { state.over = true }
            return state.sleeper
        }?.resume()
    }
}
