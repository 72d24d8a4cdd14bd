public import FTModel

/// A hybrid logical clock (Kulkarni et al.): timestamps that follow the wall clock, never go
/// backwards, and order every event a node has seen before the events it makes next.
///
/// Time is injected: `wallMilliseconds` is read through the closure given at creation, so tests
/// and replays control it.
public struct HybridLogicalClock: Sendable {
    public let node: String
    private let wallMilliseconds: @Sendable () -> Int64
    /// The latest timestamp issued or received.
    public private(set) var latest: HLCTimestamp

    /// How far ahead of this node's wall clock a received timestamp may be (default 60 s).
    public let maximumDrift: Int64

    public init(node: String, maximumDrift: Int64 = 60_000, wallMilliseconds: @escaping @Sendable () -> Int64) {
        precondition(!node.isEmpty && !node.contains("-"), "an HLC node id is non-empty and has no '-'")
        self.node = node
        self.maximumDrift = maximumDrift
        self.wallMilliseconds = wallMilliseconds
        self.latest = HLCTimestamp(milliseconds: 0, counter: 0, node: node)
    }

    /// A timestamp for a local event (an edit, a send): after everything seen so far.
    public mutating func now() -> HLCTimestamp {
        let wall = wallMilliseconds()
        if wall > latest.milliseconds {
            latest = HLCTimestamp(milliseconds: wall, counter: 0, node: node)
        } else {
            latest = Self.stamp(latest.milliseconds, latest.counter + 1, node: node)
        }
        return latest
    }

    /// A timestamp whose counter stays within its five digits: past 99,999 events in one
    /// millisecond, the clock moves to the next millisecond (the text form keeps sorting as time).
    static func stamp(_ milliseconds: Int64, _ counter: Int, node: String) -> HLCTimestamp {
        counter > HLCTimestamp.maximumCounter
            ? HLCTimestamp(milliseconds: milliseconds + 1, counter: 0, node: node)
            : HLCTimestamp(milliseconds: milliseconds, counter: counter, node: node)
    }

    /// Takes a timestamp from another node into account. Refuses one too far in the future,
    /// which would otherwise drag every later timestamp along with it.
    public mutating func receive(_ remote: HLCTimestamp) throws(ClockError) {
        let wall = wallMilliseconds()
        guard remote.milliseconds <= wall + maximumDrift else {
            throw .tooFarInTheFuture(remote, wall: wall)
        }
        let milliseconds = max(wall, latest.milliseconds, remote.milliseconds)
        let counter: Int
        if milliseconds == latest.milliseconds && milliseconds == remote.milliseconds {
            counter = max(latest.counter, remote.counter) + 1
        } else if milliseconds == latest.milliseconds {
            counter = latest.counter + 1
        } else if milliseconds == remote.milliseconds {
            counter = remote.counter + 1
        } else {
            counter = 0
        }
        latest = Self.stamp(milliseconds, counter, node: node)
    }
}

public enum ClockError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooFarInTheFuture(HLCTimestamp, wall: Int64)

    public var description: String {
        switch self {
        case .tooFarInTheFuture(let stamp, let wall):
            "timestamp \(stamp) is \(stamp.milliseconds - wall) ms ahead of the server's clock"
        }
    }
}
