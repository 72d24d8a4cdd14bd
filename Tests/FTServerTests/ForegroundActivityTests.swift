import Foundation
import Testing
@testable import FTServer

/// Background work (the document indexer) waits until people's writes have paused, and no longer
/// than its patience.
@Suite struct ForegroundActivityTests {
    @Test func backgroundWorkWaitsForAQuietMoment() async {
        let activity = ForegroundActivity(quietAfter: .milliseconds(200))
        activity.mark()
        let start = ContinuousClock.now
        await Self.waitForQuiet(activity)
        #expect(start.duration(to: .now) >= .milliseconds(190))
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
        let start = ContinuousClock.now
        await Self.waitForQuiet(activity)
        #expect(start.duration(to: .now) >= .milliseconds(400))
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
        let start = ContinuousClock.now
        await Self.waitForQuiet(activity, patience: .milliseconds(500))
        let waited = start.duration(to: .now)
        writing.stop()
        #expect(waited >= .milliseconds(490) && waited < .seconds(5))
    }

    /// On a thread of its own, as the indexer waits: not on the tests' two-thread pool.
    static func waitForQuiet(_ activity: ForegroundActivity, patience: Duration = .seconds(5)) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                activity.waitForQuiet(patience: patience)
                done.resume()
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
