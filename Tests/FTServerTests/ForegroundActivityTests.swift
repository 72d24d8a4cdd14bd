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

    /// The quiet moment is long (1 s) beside the gaps between writes (50 ms) so that a thread
    /// delayed by a loaded machine, as CI's two cores are under the whole suite, cannot open a
    /// gap the wait would take for a pause.
    @Test func eachWriteMovesTheQuietMomentOn() async {
        let activity = ForegroundActivity(quietAfter: .seconds(1))
        activity.mark()
        // A write every 50 ms for 300 ms, on another thread: the wait lasts past the last one
        // (started at once: the first mark is less than a second old).
        Thread.detachNewThread {
            for _ in 0..<6 {
                Thread.sleep(forTimeInterval: 0.05)
                activity.mark()
            }
        }
        let (waited, quiet) = await Self.waitForQuiet(activity)
        #expect(waited >= .milliseconds(1_250) && quiet)
    }

    /// Writes that never pause do not stop background work for ever. A write marked just before
    /// the wait, with a quiet moment (60 s) far longer than the patience (500 ms), is what endless
    /// writes look like to the wait, without a writing thread whose timing depends on the load.
    @Test func theWaitEndsAfterItsPatienceUnderEndlessWrites() async {
        let activity = ForegroundActivity(quietAfter: .seconds(60))
        activity.mark()
        let (waited, quiet) = await Self.waitForQuiet(activity, patience: .milliseconds(500))
        #expect(waited >= .milliseconds(490) && waited < .seconds(30))
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
