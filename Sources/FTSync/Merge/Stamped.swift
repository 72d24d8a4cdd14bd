public import FTModel

/// A value with the operation that wrote it. Registers keep the write with the greatest
/// (timestamp, operation id): every replica picks the same winner whatever the order it saw them.
public struct Stamped<Value: Hashable & Sendable & Codable>: Hashable, Sendable, Codable {
    public var value: Value
    public var hlc: HLCTimestamp
    public var operation: String

    public init(_ value: Value, hlc: HLCTimestamp, operation: String) {
        self.value = value
        self.hlc = hlc
        self.operation = operation
    }

    func isAfter(_ other: Stamped) -> Bool {
        hlc != other.hlc ? hlc > other.hlc : operation > other.operation
    }

    /// Last writer wins.
    static func latest(_ a: Stamped?, _ b: Stamped?) -> Stamped? {
        guard let a else { return b }
        guard let b else { return a }
        return b.isAfter(a) ? b : a
    }

    /// First writer wins (insert-once).
    static func earliest(_ a: Stamped?, _ b: Stamped?) -> Stamped? {
        guard let a else { return b }
        guard let b else { return a }
        return b.isAfter(a) ? a : b
    }
}
