import Foundation
import Testing
@testable import FTNotify

/// The workers' pause: a wake ends it (even one made before it began), nothing else does before
/// its interval. A woken pause of an hour must end, which the time limit (minutes, far above a
/// starved test pool's delays) checks: this is about behaviour, not speed.
@Suite struct WakeupTests {
    @Test(.timeLimit(.minutes(5))) func aWakeEndsAPauseOfAnHour() async throws {
        let wakeup = Wakeup()
        async let slept: Void = wakeup.sleep(upTo: .seconds(3_600), gap: .zero)
        try await Task.sleep(for: .milliseconds(50))
        wakeup.wake()
        await slept
    }

    @Test(.timeLimit(.minutes(5))) func aWakeWhileBusyEndsTheNextPauseAndOnlyThatOne() async {
        let wakeup = Wakeup()
        wakeup.wake()
        await wakeup.sleep(upTo: .seconds(3_600), gap: .zero)
        // Spent: the next pause lasts its interval.
        let next = ContinuousClock.now
        await wakeup.sleep(upTo: .milliseconds(300), gap: .zero)
        #expect(ContinuousClock.now - next >= .milliseconds(300))
    }

    @Test(.timeLimit(.minutes(5))) func aWakeDoesNotCutThePauseShorterThanItsGap() async {
        let wakeup = Wakeup()
        wakeup.wake()
        let started = ContinuousClock.now
        await wakeup.sleep(upTo: .seconds(3_600), gap: .milliseconds(200))
        #expect(ContinuousClock.now - started >= .milliseconds(200))
    }
}
