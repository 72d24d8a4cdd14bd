internal import FTModel
internal import FTSync
internal import NIOCore

/// Reads a push body, `{"operations": [{"id", "collection", "action", "record", "fields", "hlc"}]}`,
/// straight from the request's bytes. `JSONDecoder` took 12 µs per one-operation push, a fifth of
/// the request side's time; this reads the same shape in one pass and answers the same way: other
/// keys are ignored, a repeated key keeps its last value, and every problem is a 400 naming where
/// it is (`operations.[2].fields.body`) and the field.
struct PushBody {
    /// An operation as a device sends it: no author, the session names it.
    struct Operation {
        var id: String
        var collection: SyncCollection
        var action: SyncAction
        var record: String
        var fields: [String: FieldValue]
        var hlc: HLCTimestamp
    }

    /// What is wrong with a body, as the API answers it.
    struct Problem: Error, Equatable {
        var message: String
        var field: String?
    }

    static func operations(in buffer: ByteBuffer) throws(Problem) -> [Operation] {
        let result: Result<[Operation], Problem> = buffer.withUnsafeReadableBytes { bytes in
            var reader = PushBody(bytes: bytes)
            do throws(Problem) {
                return .success(try reader.body())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private static let maximumDepth = 64

    private init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    // MARK: - The shape

    private mutating func body() throws(Problem) -> [Operation] {
        var operations: [Operation]?
        try object { (key: String, reader: inout PushBody) throws(Problem) in
            if key == "operations" {
                operations = try reader.operationList()
            } else {
                try reader.skipValue(depth: 1)
            }
        } notAnObject: {
            Self.notJSON
        }
        skipWhitespace()
        guard index == bytes.count else { throw Self.notJSON }
        guard let operations else { throw Problem(message: "missing 'operations'", field: "operations") }
        return operations
    }

    private mutating func operationList() throws(Problem) -> [Operation] {
        skipWhitespace()
        guard peek == UInt8(ascii: "[") else { throw Self.wrongType("operations", "an array", field: "operations") }
        index += 1
        var operations: [Operation] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            index += 1
            return operations
        }
        while true {
            operations.append(try operation(at: "operations.[\(operations.count)]"))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return operations
            default: throw Self.notJSON
            }
        }
    }

    private mutating func operation(at path: String) throws(Problem) -> Operation {
        var id: String?, record: String?, collection: SyncCollection?, action: SyncAction?
        var fields: [String: FieldValue]?, hlc: HLCTimestamp?
        try object { (key: String, reader: inout PushBody) throws(Problem) in
            switch key {
            case "id": id = try reader.text(at: path, key)
            case "record": record = try reader.text(at: path, key)
            case "collection":
                let name = try reader.text(at: path, key)
                guard let value = SyncCollection(rawValue: name) else {
                    throw Problem(message: "invalid value at \(path).collection: '\(name)' is not a collection (\(SyncCollection.allCases.map(\.rawValue).joined(separator: ", ")))", field: key)
                }
                collection = value
            case "action":
                let name = try reader.text(at: path, key)
                guard let value = SyncAction(rawValue: name) else {
                    throw Problem(message: "invalid value at \(path).action: '\(name)' is not insert, update or delete", field: key)
                }
                action = value
            case "hlc":
                let text = try reader.text(at: path, key)
                guard let value = HLCTimestamp(text) else {
                    throw Problem(message: "invalid value at \(path).hlc: '\(text)' is not an HLC timestamp (16 digits-5 digits-node)", field: key)
                }
                hlc = value
            case "fields": fields = try reader.fieldValues(at: "\(path).fields")
            default: try reader.skipValue(depth: 2)
            }
        } notAnObject: {
            Self.wrongType(path, "an object", field: nil)
        }
        func missing(_ key: String) -> Problem { Problem(message: "missing '\(key)' at \(path)", field: key) }
        guard let id else { throw missing("id") }
        guard let collection else { throw missing("collection") }
        guard let action else { throw missing("action") }
        guard let record else { throw missing("record") }
        guard let fields else { throw missing("fields") }
        guard let hlc else { throw missing("hlc") }
        return Operation(id: id, collection: collection, action: action, record: record, fields: fields, hlc: hlc)
    }

    private mutating func fieldValues(at path: String) throws(Problem) -> [String: FieldValue] {
        var fields: [String: FieldValue] = [:]
        try object { (key: String, reader: inout PushBody) throws(Problem) in
            fields[key] = try reader.fieldValue(at: "\(path).\(key)", field: key)
        } notAnObject: {
            Self.wrongType(path, "an object", field: "fields")
        }
        return fields
    }

    private mutating func fieldValue(at path: String, field: String) throws(Problem) -> FieldValue {
        skipWhitespace()
        let invalid = Problem(message: "invalid value at \(path): a field is null, a boolean, an integer or a string", field: field)
        switch peek ?? 0 {
        case UInt8(ascii: "\""):
            let text = try string()
            // SQLite's C strings end at a NUL: stored, the text would come back cut.
            guard !text.containsNUL else {
                throw Problem(message: "invalid value at \(path): text cannot contain the NUL character (U+0000)", field: field)
            }
            return .string(text)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard let number = try integer() else { throw invalid }
            return .int(number)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipValue(depth: 3)
            throw invalid
        default:
            throw Self.notJSON
        }
    }

    /// A string member, or a 400 that says it should be one. No NUL: see `fieldValue`.
    private mutating func text(at path: String, _ key: String) throws(Problem) -> String {
        skipWhitespace()
        guard peek == UInt8(ascii: "\"") else {
            try skipValue(depth: 2)
            throw Self.wrongType("\(path).\(key)", "a string", field: key)
        }
        let text = try string()
        guard !text.containsNUL else {
            throw Problem(message: "invalid value at \(path).\(key): text cannot contain the NUL character (U+0000)", field: key)
        }
        return text
    }

    // MARK: - JSON

    private static let notJSON = Problem(message: "the body is not valid JSON", field: nil)

    private static func wrongType(_ path: String, _ expected: String, field: String?) -> Problem {
        Problem(message: "wrong type at \(path): expected \(expected)", field: field)
    }

    private var peek: UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// Calls `member` with each key of the object that starts here, the reader at its value.
    private mutating func object(
        _ member: (String, inout PushBody) throws(Problem) -> Void,
        notAnObject: () -> Problem
    ) throws(Problem) {
        skipWhitespace()
        guard peek == UInt8(ascii: "{") else {
            if peek == nil { throw Self.notJSON }
            try skipValue(depth: 1)
            throw notAnObject()
        }
        index += 1
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw Self.notJSON }
            let key = try string()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw Self.notJSON }
            index += 1
            try member(key, &self)
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return
            default: throw Self.notJSON
            }
        }
    }

    private mutating func literal(_ word: StaticString) throws(Problem) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Self.notJSON }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw Self.notJSON
        }
        index += count
    }

    /// A JSON number; `nil` when it is not an integer that fits in 64 bits.
    private mutating func integer() throws(Problem) -> Int64? {
        let negative = peek == UInt8(ascii: "-")
        if negative { index += 1 }
        let start = index
        var value: Int64 = 0
        var fits = true
        while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            let digit = Int64(byte - UInt8(ascii: "0"))
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            if overflow1 || overflow2 { fits = false }
            value = sum
            index += 1
        }
        let digits = index - start
        guard digits > 0, !(digits > 1 && bytes[start] == UInt8(ascii: "0")) else { throw Self.notJSON }
        var integral = fits
        if peek == UInt8(ascii: ".") {
            index += 1
            guard try skipDigits() else { throw Self.notJSON }
            integral = false
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard try skipDigits() else { throw Self.notJSON }
            integral = false
        }
        return integral ? value : nil
    }

    /// Skips one or more digits; `false` if there was none.
    private mutating func skipDigits() throws(Problem) -> Bool {
        let start = index
        while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        return index > start
    }

    /// The string that starts here (at its opening quote), unescaped and checked as UTF-8.
    private mutating func string() throws(Problem) -> String {
        index += 1
        let start = index
        // The common case: no escape, read in place.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) else { throw Self.notJSON }
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw Self.notJSON }
            index += 1
        }
        var unescaped = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: unescaped, as: UTF8.self) else { throw Self.notJSON }
                return text
            case UInt8(ascii: "\\"):
                guard let escape = peek else { throw Self.notJSON }
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(escape)
                case UInt8(ascii: "b"): unescaped.append(0x08)
                case UInt8(ascii: "f"): unescaped.append(0x0C)
                case UInt8(ascii: "n"): unescaped.append(0x0A)
                case UInt8(ascii: "r"): unescaped.append(0x0D)
                case UInt8(ascii: "t"): unescaped.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hexQuad()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else { throw Self.notJSON }
                        index += 2
                        let low = try hexQuad()
                        guard (0xDC00...0xDFFF).contains(low) else { throw Self.notJSON }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let character = Unicode.Scalar(scalar) else { throw Self.notJSON }
                    unescaped.append(contentsOf: UTF8.encode(character)!)
                default:
                    throw Self.notJSON
                }
            default:
                guard byte >= 0x20 else { throw Self.notJSON }
                unescaped.append(byte)
            }
        }
        throw Self.notJSON
    }

    private mutating func hexQuad() throws(Problem) -> UInt32 {
        guard index + 4 <= bytes.count else { throw Self.notJSON }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Self.notJSON
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// Skips any JSON value (a key this reader does not use), checking its syntax.
    private mutating func skipValue(depth: Int) throws(Problem) {
        guard depth <= Self.maximumDepth else { throw Problem(message: "the body is nested too deeply", field: nil) }
        skipWhitespace()
        switch peek ?? 0 {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try integer()
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if peek == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                try skipValue(depth: depth + 1)
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"): index += 1; return
                default: throw Self.notJSON
                }
            }
        case UInt8(ascii: "{"):
            try object({ (_: String, reader: inout PushBody) throws(Problem) in try reader.skipValue(depth: depth + 1) }, notAnObject: { Self.notJSON })
        default:
            throw Self.notJSON
        }
    }
}
