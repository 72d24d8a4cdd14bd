/// A field's value in an operation: what JSON can carry, minus floating point (amounts are cents,
/// times are milliseconds), so that every replica compares values exactly.
public enum FieldValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Int64.self) {
            self = .int(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a field is null, a boolean, an integer or a string")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .int(let number): try container.encode(number)
        case .string(let text): try container.encode(text)
        }
    }

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let flag): String(flag)
        case .int(let number): String(number)
        case .string(let text): "\"\(text)\""
        }
    }

    public var string: String? { if case .string(let text) = self { text } else { nil } }
    public var int: Int64? { if case .int(let number) = self { number } else { nil } }
    public var bool: Bool? { if case .bool(let flag) = self { flag } else { nil } }

    /// A total order, so that equal timestamps still pick the same winner everywhere.
    static func order(_ value: FieldValue) -> (Int, Int64, String) {
        switch value {
        case .null: (0, 0, "")
        case .bool(let flag): (1, flag ? 1 : 0, "")
        case .int(let number): (2, number, "")
        case .string(let text): (3, 0, text)
        }
    }
}
