internal import Foundation
internal import Synchronization

/// When people last wrote through the server, so that background work (the document indexer)
/// waits for a quiet moment instead of competing with them for the disk, the single writer and
/// two cores: indexing the 172,000 seeded versions of the largest demo takes minutes, and pushes
/// beside it cost 80 µs of processor each instead of 50.
final class ForegroundActivity: Sendable {
    private let last = Atomic<UInt64>(0)
    /// How long after the last write background work waits.
    let quietAfter: Duration

    init(quietAfter: Duration = .milliseconds(300)) {
        self.quietAfter = quietAfter
    }

    /// A person's write arrives.
    func mark() {
        last.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
    }

    /// Returns once nothing has been marked for `quietAfter` (at once if nothing was): true; or
    /// after `patience` at most: false. Under writes that never pause, background work still
    /// moves, a small batch at a time.
    @discardableResult
    func waitForQuiet(patience: Duration = .seconds(5)) -> Bool {
        let quiet = Self.nanoseconds(quietAfter)
        let deadline = DispatchTime.now().uptimeNanoseconds + Self.nanoseconds(patience)
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            let since = now &- last.load(ordering: .relaxed)
            if since >= quiet { return true }
            if now >= deadline { return false }
            Thread.sleep(forTimeInterval: Double(min(quiet - since, deadline - now)) / 1_000_000_000)
        }
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        UInt64(duration.components.seconds) * 1_000_000_000 + UInt64(duration.components.attoseconds / 1_000_000_000)
    }
}
