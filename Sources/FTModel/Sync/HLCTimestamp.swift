/// A hybrid-logical-clock timestamp: wall-clock milliseconds, a counter for events within the same
/// millisecond, and the node (device) that made it. Its string form sorts like the timestamps.
///
/// The clock that issues these (and merges remote ones) is the sync core's; this is only the value.
public struct HLCTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64
    public var counter: Int
    public var node: String

    public init(milliseconds: Int64, counter: Int = 0, node: String) {
        self.milliseconds = milliseconds
        self.counter = counter
        self.node = node
    }

    /// `0001732492800000-00000-node`: 16 digits of milliseconds, 5 of counter, then the node id.
    ///
    /// Written digit by digit into the string's own storage: a pushed operation needs it several
    /// times (4 % of the push writer's time went to the padded concatenation this replaces).
    public var description: String {
        guard (0...9_999_999_999_999_999).contains(milliseconds), (0...Self.maximumCounter).contains(counter) else {
            return paddedDescription
        }
        var node = node
        return node.withUTF8 { nodeBytes in
            String(unsafeUninitializedCapacity: 23 + nodeBytes.count) { buffer in
                var value = milliseconds
                for index in stride(from: 15, through: 0, by: -1) {
                    buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
                    value /= 10
                }
                buffer[16] = UInt8(ascii: "-")
                var count = counter
                for index in stride(from: 21, through: 17, by: -1) {
                    buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: count % 10)
                    count /= 10
                }
                buffer[22] = UInt8(ascii: "-")
                _ = UnsafeMutableBufferPointer(rebasing: buffer[23...]).initialize(fromContentsOf: nodeBytes)
                return 23 + nodeBytes.count
            }
        }
    }

    /// The same form for values outside the fixed widths (a negative time, a counter past the
    /// maximum), which no valid timestamp has.
    var paddedDescription: String {
        let ms = String(milliseconds)
        let count = String(counter)
        return String(repeating: "0", count: max(0, 16 - ms.count)) + ms + "-"
            + String(repeating: "0", count: max(0, 5 - count.count)) + count + "-" + node
    }

    /// The largest counter the five-digit text form holds.
    public static let maximumCounter = 99_999

    /// The longest node id a device may stamp its changes with.
    public static let maximumNodeLength = 32

    /// Whether `node` is a node id a device may send: 1 to 32 ASCII letters, digits, `_` or `.`.
    /// Anything else (a NUL, a control character, text that compares differently by bytes and by
    /// characters) would be stored, compared or shown differently by some part of the system.
    public static func isNode(_ node: String) -> Bool {
        let bytes = node.utf8
        return (1...maximumNodeLength).contains(bytes.count) && bytes.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F || byte == 0x2E
        }
    }

    /// Parses the string form; `nil` if it is malformed (digits only in the first two parts: no sign).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].utf8.count == 16, parts[1].utf8.count == 5,
            parts[0].utf8.allSatisfy({ (0x30...0x39).contains($0) }), parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let milliseconds = Int64(parts[0]), milliseconds >= 0,
            let counter = Int(parts[1]), counter >= 0,
            !parts[2].isEmpty
        else { return nil }
        self.init(milliseconds: milliseconds, counter: counter, node: String(parts[2]))
    }

    public static func < (lhs: HLCTimestamp, rhs: HLCTimestamp) -> Bool {
        (lhs.milliseconds, lhs.counter, lhs.node) < (rhs.milliseconds, rhs.counter, rhs.node)
    }
}

extension HLCTimestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let stamp = HLCTimestamp(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an HLC timestamp (16 digits-5 digits-node)")
        }
        self = stamp
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
