import FTModel
import FTSync
import Synchronization
import Testing

@Suite struct ClockTests {
    /// A wall clock the test moves by hand.
    final class ManualClock: Sendable {
        let milliseconds = Atomic<Int64>(1_000)
        func set(_ value: Int64) { milliseconds.store(value, ordering: .relaxed) }
        var read: @Sendable () -> Int64 { { [self] in milliseconds.load(ordering: .relaxed) } }
    }

    @Test func timestampsFollowTheWallClockAndNeverGoBack() {
        let wall = ManualClock()
        var clock = HybridLogicalClock(node: "a", wallMilliseconds: wall.read)
        let first = clock.now()
        #expect(first == HLCTimestamp(milliseconds: 1_000, counter: 0, node: "a"))
        let second = clock.now()
        #expect(second == HLCTimestamp(milliseconds: 1_000, counter: 1, node: "a"))
        wall.set(500)  // the wall clock jumps back
        let third = clock.now()
        #expect(third > second)
        #expect(third.milliseconds == 1_000)
        wall.set(2_000)
        #expect(clock.now() == HLCTimestamp(milliseconds: 2_000, counter: 0, node: "a"))
    }

    @Test func aReceivedTimestampOrdersWhatFollows() throws {
        let wall = ManualClock()
        var clock = HybridLogicalClock(node: "a", wallMilliseconds: wall.read)
        let remote = HLCTimestamp(milliseconds: 1_500, counter: 4, node: "b")
        try clock.receive(remote)
        let next = clock.now()
        #expect(next > remote)
        #expect(next.milliseconds == 1_500)
    }

    @Test func aTimestampFarInTheFutureIsRefused() {
        let wall = ManualClock()
        var clock = HybridLogicalClock(node: "a", maximumDrift: 60_000, wallMilliseconds: wall.read)
        let future = HLCTimestamp(milliseconds: 1_000 + 3_600_000, counter: 0, node: "b")
        #expect(throws: ClockError.tooFarInTheFuture(future, wall: 1_000)) { try clock.receive(future) }
        #expect(clock.now().milliseconds == 1_000, "a refused timestamp does not move the clock")
    }

    @Test func pastTheFiveDigitCounterTheClockMovesToTheNextMillisecond() throws {
        let wall = ManualClock()
        var clock = HybridLogicalClock(node: "n", wallMilliseconds: wall.read)
        var last = clock.now()
        for _ in 0..<100_000 { last = clock.now() }
        #expect(last == HLCTimestamp(milliseconds: 1_001, counter: 0, node: "n"))
        #expect(HLCTimestamp(last.description) == last, "the text form still parses")
        try clock.receive(HLCTimestamp(milliseconds: 1_001, counter: 99_999, node: "m"))
        #expect(clock.now() > HLCTimestamp(milliseconds: 1_001, counter: 99_999, node: "m"))
    }

    @Test(arguments: ["+000000000001000-00000-a", "0000000000001000-+0001-a", "０000000000001000-00000-a", "000000000000100x-00000-a"])
    func aSignOrANonDigitIsNotATimestamp(text: String) {
        #expect(HLCTimestamp(text) == nil)
    }
}
