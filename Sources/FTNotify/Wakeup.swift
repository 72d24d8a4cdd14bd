internal import Synchronization

/// A worker's pause between rounds that a commit can cut short: `sleep(upTo:)` returns after the
/// interval, or within a few milliseconds of a `wake()` — also one made while the worker was busy,
/// so that nothing committed meanwhile waits for the next interval — but never before `gap`: a
/// stream of commits (thousands of synced messages a second) costs a few rounds a second, not one
/// per commit.
final class Wakeup: Sendable {
    private let woken = Mutex(false)

    /// How often a sleeping worker looks whether it was woken.
    static let step: Duration = .milliseconds(10)

    func wake() {
        woken.withLock { $0 = true }
    }

    func sleep(upTo interval: Duration, gap: Duration = .milliseconds(100)) async {
        let start = ContinuousClock.now
        let deadline = start + interval
        while !Task.isCancelled, ContinuousClock.now < deadline {
            if ContinuousClock.now >= start + gap, woken.withLock({ flag in defer { flag = false }; return flag }) { return }
            try? await Task.sleep(for: min(Self.step, deadline - ContinuousClock.now))
        }
        woken.withLock { $0 = false }
    }
}
