/// A small, fast, seedable random number generator (SplitMix64). The demo data must come out
/// identical for identical arguments, on every machine, so nothing here reads the system's entropy.
///
/// Each kind of record draws from its own stream (`stream`, `index`), so adding clients does not
/// change the experts, and one record's draws do not shift another's.
struct DemoRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64, stream: String, index: Int = 0) {
        // FNV-1a over the stream name, mixed with the seed and the index.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in stream.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        state = seed ^ hash ^ (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15)
        _ = next()
    }

    mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func double(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * Double(next() >> 11) / Double(1 << 53)
    }

    mutating func chance(_ probability: Double) -> Bool {
        double(0...1) < probability
    }

    mutating func pick<T>(_ items: [T]) -> T {
        items[int(0...(items.count - 1))]
    }

    /// `count` distinct items (fewer if there are not enough), in a random order.
    mutating func pickDistinct<T>(_ items: [T], count: Int) -> [T] {
        var pool = items
        var result: [T] = []
        for _ in 0..<min(count, pool.count) {
            result.append(pool.remove(at: int(0...(pool.count - 1))))
        }
        return result
    }

    /// One value, with probability proportional to its weight.
    mutating func weighted<T>(_ choices: [(T, Int)]) -> T {
        let total = choices.reduce(0) { $0 + $1.1 }
        var roll = int(0...(total - 1))
        for (value, weight) in choices {
            if roll < weight { return value }
            roll -= weight
        }
        return choices[choices.count - 1].0
    }

    /// A version-4-shaped UUID string, drawn from this stream.
    mutating func uuid() -> String {
        let a = next(), b = next()
        let hex = String(a, radix: 16).leftPadded(to: 16) + String(b, radix: 16).leftPadded(to: 16)
        let chars = Array(hex)
        func part(_ range: Range<Int>) -> String { String(chars[range]) }
        return "\(part(0..<8))-\(part(8..<12))-4\(part(13..<16))-a\(part(17..<20))-\(part(20..<32))"
    }

    /// `count` random bytes.
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }

    /// 64 lowercase hex characters.
    mutating func hex64() -> String {
        (0..<4).map { _ in String(next(), radix: 16).leftPadded(to: 16) }.joined()
    }
}

extension String {
    func leftPadded(to length: Int, with pad: Character = "0") -> String {
        count >= length ? self : String(repeating: pad, count: length - count) + self
    }
}
