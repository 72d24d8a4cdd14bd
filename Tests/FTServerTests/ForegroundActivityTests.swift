import Foundation
import Testing
@testable import FTServer

/// Background work (the document indexer) waits until people's writes have paused.
@Suite struct ForegroundActivityTests {
    @Test func backgroundWorkWaitsForAQuietMoment() async {
        let activity = ForegroundActivity(quietAfter: .milliseconds(200))
        activity.mark()
        let start = ContinuousClock.now
        await Self.waitForQuiet(activity)
        #expect(start.duration(to: .now) >= .milliseconds(190))
    }

    /// On a thread of its own, as the indexer waits: not on the tests' two-thread pool.
    static func waitForQuiet(_ activity: ForegroundActivity) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                activity.waitForQuiet()
                done.resume()
            }
        }
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
}
