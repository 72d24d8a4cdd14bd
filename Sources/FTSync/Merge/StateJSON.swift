public import FTModel

/// Record states and operation fields as JSON text, written by hand: the server stores one of
/// each per pushed operation, and `JSONEncoder` was a fifth of the push writer's time. The text
/// is the same structure the synthesized `Codable` conformances read (`JSONDecoder` decodes it
/// back to an equal value; `StateJSONTests` checks random states), with keys in a fixed order.
/// Steps, rare and nested, still go through `JSONEncoder`.
public enum StateJSON {
    /// `state` as JSON, or nil for a kind this writer leaves to `JSONEncoder`.
    public static func text(_ state: RecordState) -> String? {
        var out = Writer()
        switch state {
        case .message(let message):
            out.open("message")
            out.stamped("content", message.content) { out, content in
                out.object { out in
                    out.key("author"); out.int(content.author)
                    out.key("conversation"); out.int(content.conversation)
                }
            }
            out.stamped("body", message.body) { out, body in out.string(body) }
            out.stamped("deletion", message.deletion) { out, flag in out.bool(flag) }
            out.close()
        case .rating(let rating):
            out.open("rating")
            out.stamped("value", rating.value) { out, value in
                out.object { out in
                    out.key("author"); out.int(value.author)
                    out.key("comment"); out.string(value.comment)
                    out.key("score"); out.int(value.score)
                }
            }
            out.close()
        case .readReceipt(let receipt):
            out.open("readReceipt")
            out.key("readUpTo"); out.int(receipt.readUpTo)
            out.close()
        case .document(let document):
            out.open("document")
            out.stamped("content", document.content) { out, content in
                out.object { out in
                    out.key("createdBy"); out.int(content.createdBy)
                    out.key("dossier"); out.int(content.dossier)
                }
            }
            out.stamped("title", document.title) { out, title in out.string(title) }
            out.stamped("category", document.category) { out, category in out.string(category) }
            out.close()
        case .documentVersion(let version):
            out.open("documentVersion")
            out.stamped("content", version.content) { out, content in
                out.object { out in
                    out.key("byteCount"); out.int(content.byteCount)
                    out.key("document"); out.string(content.document)
                    out.key("fileName"); out.string(content.fileName)
                    out.key("mediaType"); out.string(content.mediaType)
                    out.key("sha256"); out.string(content.sha256)
                    out.key("uploadedBy"); out.int(content.uploadedBy)
                }
            }
            out.stamped("validation", version.validation) { out, validation in
                out.object { out in
                    out.key("by"); out.int(validation.by)
                    out.key("reason"); out.string(validation.reason)
                    out.key("state"); out.string(validation.state)
                }
            }
            out.close()
        case .preference(let preference):
            out.open("preference")
            out.stamped("enabled", preference.enabled) { out, flag in out.bool(flag) }
            out.close()
        case .step, .dossier, .offer:
            return nil
        }
        return out.text
    }

    /// An operation's fields as a JSON object, keys sorted.
    public static func text(_ fields: [String: FieldValue]) -> String {
        var out = Writer()
        out.object { out in
            for name in fields.keys.sorted() {
                out.key(name)
                switch fields[name] ?? .null {
                case .null: out.raw("null")
                case .bool(let flag): out.bool(flag)
                case .int(let number): out.int(number)
                case .string(let text): out.string(text)
                }
            }
        }
        return out.text
    }

    /// Appends JSON to a byte array; `needsComma` tracks the members of the innermost object.
    struct Writer {
        private(set) var bytes: [UInt8] = []
        private var needsComma = false

        init() { bytes.reserveCapacity(256) }

        var text: String { String(decoding: bytes, as: UTF8.self) }

        mutating func raw(_ text: StaticString) {
            text.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        mutating func object(_ members: (inout Writer) -> Void) {
            bytes.append(UInt8(ascii: "{"))
            needsComma = false
            members(&self)
            bytes.append(UInt8(ascii: "}"))
            needsComma = true
        }

        /// `{"case":{"_0":{` — how the synthesized `Codable` writes an enum case's payload.
        mutating func open(_ name: String) {
            bytes.append(UInt8(ascii: "{"))
            string(name)
            raw(#":{"_0":{"#)
            needsComma = false
        }

        mutating func close() {
            raw("}}}")
        }

        mutating func key(_ name: String) {
            if needsComma { bytes.append(UInt8(ascii: ",")) }
            string(name)
            bytes.append(UInt8(ascii: ":"))
            needsComma = false
        }

        /// A `Stamped` member, left out when nil (as `encodeIfPresent` does).
        mutating func stamped<Value>(_ name: String, _ value: Stamped<Value>?, _ write: (inout Writer, Value) -> Void) where Value: Hashable & Sendable & Codable {
            guard let value else { return }
            key(name)
            object { out in
                out.key("hlc"); out.string(value.hlc.description)
                out.key("operation"); out.string(value.operation)
                out.key("value"); write(&out, value.value)
            }
        }

        mutating func int(_ value: Int64) {
            bytes.append(contentsOf: String(value).utf8)
            needsComma = true
        }

        mutating func bool(_ value: Bool) {
            raw(value ? "true" : "false")
            needsComma = true
        }

        mutating func string(_ text: String) {
            StateJSON.writeString(text) { bytes.append(contentsOf: $0) }
            needsComma = true
        }
    }

    /// `text` as a JSON string literal, handed to `write` in runs: quotes, backslashes and control
    /// characters escaped, the rest as UTF-8. (Also used by the server's hand-written bodies.)
    public static func writeString(_ text: String, _ write: (UnsafeRawBufferPointer) -> Void) {
        quote.withUnsafeBytes(write)
        var text = text
        text.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            var start = 0
            // An index loop: `enumerated()` looks up tuple metadata for every byte in debug builds,
            // which made a multi-megabyte field take seconds there.
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                write(UnsafeRawBufferPointer(rebasing: raw[start..<index]))
                let escaped: [UInt8] = switch byte {
                case UInt8(ascii: "\""): Array(#"\""#.utf8)
                case UInt8(ascii: "\\"): Array(#"\\"#.utf8)
                case 0x0A: Array(#"\n"#.utf8)
                case 0x0D: Array(#"\r"#.utf8)
                case 0x09: Array(#"\t"#.utf8)
                default: Array(#"\u00"#.utf8) + [hexDigit(byte >> 4), hexDigit(byte & 0x0F)]
                }
                escaped.withUnsafeBytes(write)
                start = index + 1
            }
            write(UnsafeRawBufferPointer(rebasing: raw[start...]))
        }
        quote.withUnsafeBytes(write)
    }

    private static let quote: [UInt8] = [UInt8(ascii: "\"")]

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
