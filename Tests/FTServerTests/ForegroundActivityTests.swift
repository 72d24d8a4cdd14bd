import Foundation
import Testing
@testable import FTServer

/// Background work (the document indexer) waits until people's writes have paused, and no longer
/// than its patience.
@Suite struct ForegroundActivityTests {
    @Test func backgroundWorkWaitsForAQuietMoment() async {
        let activity = ForegroundActivity(quietAfter: .milliseconds(200))
        activity.mark()
        let (waited, quiet) = await Self.waitForQuiet(activity)
        #expect(waited >= .milliseconds(190) && quiet)
    }

    @Test func eachWriteMovesTheQuietMomentOn() async {
        let activity = ForegroundActivity(quietAfter: .milliseconds(150))
        activity.mark()
        // A write every 50 ms for 300 ms, on another thread: the wait lasts past the last one
        // (started at once: the first mark is less than 150 ms old).
        Thread.detachNewThread {
            for _ in 0..<6 {
                Thread.sleep(forTimeInterval: 0.05)
                activity.mark()
            }
        }
        let (waited, quiet) = await Self.waitForQuiet(activity)
        #expect(waited >= .milliseconds(400) && quiet)
    }

    /// Writes that never pause do not stop background work for ever.
    @Test func theWaitEndsAfterItsPatienceUnderEndlessWrites() async {
        let activity = ForegroundActivity(quietAfter: .milliseconds(200))
        let writing = StopFlag()
        Thread.detachNewThread {
            while !writing.stopped {
                activity.mark()
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        let (waited, quiet) = await Self.waitForQuiet(activity, patience: .milliseconds(500))
        writing.stop()
        #expect(waited >= .milliseconds(490) && waited < .seconds(5))
        // Said so: the indexer then takes a smaller batch.
        #expect(!quiet)
    }

    /// How long the wait took and whether it found a quiet moment, on a thread of its own as the
    /// indexer waits, and timed there: the tests' two-thread pool may take seconds to resume the
    /// test when other suites keep it busy.
    static func waitForQuiet(_ activity: ForegroundActivity, patience: Duration = .seconds(5)) async -> (Duration, Bool) {
        await withCheckedContinuation { (done: CheckedContinuation<(Duration, Bool), Never>) in
            Thread.detachNewThread {
                let start = ContinuousClock.now
                let quiet = activity.waitForQuiet(patience: patience)
                done.resume(returning: (start.duration(to: .now), quiet))
            }
        }
    }
}

/// A stop signal for a test's thread.
private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var stopped: Bool { lock.withLock { value } }
    func stop() { lock.withLock { value = true } }
}
