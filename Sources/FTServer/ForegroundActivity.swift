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

    /// Returns once nothing has been marked for `quietAfter` (at once if nothing was).
    func waitForQuiet() {
        let quiet = UInt64(quietAfter.components.seconds) * 1_000_000_000 + UInt64(quietAfter.components.attoseconds / 1_000_000_000)
        while true {
            let since = DispatchTime.now().uptimeNanoseconds &- last.load(ordering: .relaxed)
            guard since < quiet else { return }
            Thread.sleep(forTimeInterval: Double(quiet - since) / 1_000_000_000)
        }
    }
}
