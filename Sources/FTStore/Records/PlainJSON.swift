/// A reader for the plainest JSON the store writes itself — an array of strings without escapes,
/// or of flat objects whose values are such strings or integers — that gives up (nil) on anything
/// else, for the caller to use JSONSerialization. Ten thousand experts' portfolios, certifications
/// and languages are read per site build, and JSONSerialization's objects took most of that time.
enum PlainJSON {
    enum Value: Equatable {
        case string(String)
        case integer(Int)
    }

    /// `[{"key": "text" or 123, …}, …]`; nil for any other shape (escapes, control characters,
    /// other kinds of value, numbers with a fraction, exponent or more than 18 digits, a key twice).
    static func objects(_ text: String) -> [[String: Value]]? {
        var reader = Reader(bytes: Array(text.utf8))
        guard let objects = reader.array({ $0.object() }), reader.atEnd else { return nil }
        return objects
    }

    /// `["text", …]`; nil for any other shape (escapes, control characters, other kinds of value).
    static func strings(_ text: String) -> [String]? {
        var reader = Reader(bytes: Array(text.utf8))
        guard let strings = reader.array({ $0.string() }), reader.atEnd else { return nil }
        return strings
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool {
            mutating get {
                skipSpaces()
                return index == bytes.count
            }
        }

        /// `[element, …]`, or nil as soon as an element is not one.
        mutating func array<Element>(_ element: (inout Reader) -> Element?) -> [Element]? {
            guard take(UInt8(ascii: "[")) else { return nil }
            var result: [Element] = []
            if take(UInt8(ascii: "]")) { return result }
            repeat {
                guard let next = element(&self) else { return nil }
                result.append(next)
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]")) ? result : nil
        }

        mutating func object() -> [String: Value]? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var result: [String: Value] = [:]
            if take(UInt8(ascii: "}")) { return result }
            repeat {
                guard let key = string(), take(UInt8(ascii: ":")), let value = value(), result[key] == nil else { return nil }
                result[key] = value
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "}")) ? result : nil
        }

        private mutating func value() -> Value? {
            skipSpaces()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "\"") { return string().map(Value.string) }
            return integer().map(Value.integer)
        }

        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\") || bytes[index] < 0x20 { return nil }
                index += 1
            }
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        private mutating func integer() -> Int? {
            let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            let start = index
            var value = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            let digits = index - start
            // JSON allows no leading zero; what follows a number must end it.
            guard digits > 0, digits <= 18, digits == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
            if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) { return nil }
            return negative ? -value : value
        }

        /// Skips spaces, then takes `byte` if it is next.
        private mutating func take(_ byte: UInt8) -> Bool {
            skipSpaces()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        private mutating func skipSpaces() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
        }
    }
}
