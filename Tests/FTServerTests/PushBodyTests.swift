import FTModel
@testable import FTServer
import FTSync
import Foundation
import NIOCore
import Testing

/// The hand-written push body reader reads what `JSONDecoder` reads, and names what is wrong.
@Suite struct PushBodyTests {
    /// The shape as `Codable` reads it: the reference.
    struct Reference: Decodable {
        struct Operation: Decodable {
            var id: String
            var collection: SyncCollection
            var action: SyncAction
            var record: String
            var fields: [String: FieldValue]
            var hlc: HLCTimestamp
        }

        var operations: [Operation]
    }

    static func parse(_ text: String) throws(PushBody.Problem) -> [PushBody.Operation] {
        try PushBody.operations(in: ByteBuffer(string: text))
    }

    static func problem(_ text: String) -> PushBody.Problem? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsWhatJSONDecoderReads() throws {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["a", "é", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{1F}", "😀", "中", " ", "\u{7F}", "\u{2028}", "<b>"]
        func text() -> String {
            (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
        }
        func value() -> Any {
            switch Int.random(in: 0...4, using: &generator) {
            case 0: return NSNull()
            case 1: return Bool.random(using: &generator)
            case 2: return Int64.random(in: Int64.min...Int64.max, using: &generator)
            case 3: return Int64.random(in: -1_000...1_000, using: &generator)
            default: return text()
            }
        }
        for _ in 0..<200 {
            let operations: [[String: Any]] = (0..<Int.random(in: 0...5, using: &generator)).map { _ in
                var fields: [String: Any] = [:]
                for _ in 0..<Int.random(in: 0...4, using: &generator) { fields[text()] = value() }
                var operation: [String: Any] = [
                    "id": text(), "collection": SyncCollection.allCases.randomElement(using: &generator)!.rawValue,
                    "action": ["insert", "update", "delete"].randomElement(using: &generator)!, "record": text(), "fields": fields,
                    "hlc": "0001795132800000-0000\(Int.random(in: 0...9, using: &generator))-\(["a", "phone", "x_1"].randomElement(using: &generator)!)",
                ]
                // Keys the server does not use are ignored, whatever they hold.
                if Bool.random(using: &generator) { operation["actor"] = ["user": 3, "role": "admin", "nested": [[1, 2.5e3, "x"], [:]]] }
                return operation
            }
            let data = try JSONSerialization.data(withJSONObject: ["operations": operations, "client": ["version": 1.5]])
            let expected = try JSONDecoder().decode(Reference.self, from: data).operations
            let read = try PushBody.operations(in: ByteBuffer(bytes: data))
            #expect(read.count == expected.count)
            for (mine, reference) in zip(read, expected) {
                #expect(mine.id == reference.id && mine.record == reference.record)
                #expect(mine.collection == reference.collection && mine.action == reference.action)
                #expect(mine.fields == reference.fields && mine.hlc == reference.hlc)
            }
        }
    }

    @Test func escapesWhitespaceAndRepeatedKeys() throws {
        let body = """
             { "operations" : [ { "id" : "a\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\"\\\\", "id": "final",
               "collection": "message", "action": "insert", "record": "r", "hlc": "0001795132800000-00000-a",
               "fields": { "n": -0, "big": 9223372036854775807, "small": -9223372036854775808, "t": true, "f": false, "z": null } } ] }\r\n
            """
        let operation = try #require(try Self.parse(body).first)
        #expect(operation.id == "final")
        #expect(operation.fields == ["n": .int(0), "big": .int(.max), "small": .int(.min), "t": .bool(true), "f": .bool(false), "z": .null])
        let escaped = try #require(try Self.parse(#"{"operations":[{"id":"a\u00e9\ud83d\ude00\/\b\f\n\r\t\"\\","collection":"message","action":"insert","record":"r","fields":{},"hlc":"0001795132800000-00000-a"}]}"#).first)
        #expect(escaped.id == "aé😀/\u{08}\u{0C}\n\r\t\"\\")
        #expect(try Self.parse(#"{"operations":[]}"#).isEmpty)
    }

    static let operation = #"{"id":"x","collection":"message","action":"insert","record":"r","fields":{},"hlc":"0001795132800000-00000-a"}"#

    @Test(arguments: [
        ("", "the body is not valid JSON", nil),
        ("{not json", "the body is not valid JSON", nil),
        (#"[{"operations":[]}]"#, "the body is not valid JSON", nil),
        (#"{"operations":[]} x"#, "the body is not valid JSON", nil),
        (#"{"operations":[],}"#, "the body is not valid JSON", nil),
        (#"{"other":1}"#, "missing 'operations'", "operations"),
        (#"{"operations":3}"#, "wrong type at operations: expected an array", "operations"),
        (#"{"operations":[3]}"#, "wrong type at operations.[0]: expected an object", nil),
        (#"{"operations":[{"collection":"message","action":"insert","record":"r","fields":{},"hlc":"0001795132800000-00000-a"}]}"#, "missing 'id' at operations.[0]", "id"),
        (#"{"operations":[\#(operation),{"id":7,"collection":"message"}]}"#, "wrong type at operations.[1].id: expected a string", "id"),
        (#"{"operations":[{"id":"x","collection":"photo"}]}"#, "invalid value at operations.[0].collection: 'photo' is not a collection (message, readReceipt, rating, document, documentVersion, step, preference, dossier, offer)", "collection"),
        (#"{"operations":[{"id":"x","action":"upsert"}]}"#, "invalid value at operations.[0].action: 'upsert' is not insert, update or delete", "action"),
        (#"{"operations":[{"id":"x","hlc":"hier"}]}"#, "invalid value at operations.[0].hlc: 'hier' is not an HLC timestamp (16 digits-5 digits-node)", "hlc"),
        (#"{"operations":[{"id":"x","fields":{"body":1.5}}]}"#, "invalid value at operations.[0].fields.body: a field is null, a boolean, an integer or a string", "body"),
        (#"{"operations":[{"id":"x","fields":{"n":1e3}}]}"#, "invalid value at operations.[0].fields.n: a field is null, a boolean, an integer or a string", "n"),
        (#"{"operations":[{"id":"x","fields":{"n":9223372036854775808}}]}"#, "invalid value at operations.[0].fields.n: a field is null, a boolean, an integer or a string", "n"),
        (#"{"operations":[{"id":"x","fields":{"n":{"a":1}}}]}"#, "invalid value at operations.[0].fields.n: a field is null, a boolean, an integer or a string", "n"),
        (#"{"operations":[{"id":"x","fields":[]}]}"#, "wrong type at operations.[0].fields: expected an object", "fields"),
        (#"{"operations":[{"id":"x","fields":{"n":01}}]}"#, "the body is not valid JSON", nil),
        (#"{"operations":[{"id":"x","fields":{"n":-}}]}"#, "the body is not valid JSON", nil),
        (#"{"operations":[{"id":"\q"}]}"#, "the body is not valid JSON", nil),
        (#"{"operations":[{"id":"\ud83d"}]}"#, "the body is not valid JSON", nil),
        (#"{"operations":[{"id":"\ude00"}]}"#, "the body is not valid JSON", nil),
        (#"{"operations":[{"id":"\u12"}]}"#, "the body is not valid JSON", nil),
        ("{\"operations\":[{\"id\":\"a\u{01}\"}]}", "the body is not valid JSON", nil),
        (#"{"operations":[{"id":"x""#, "the body is not valid JSON", nil),
        (#"{"operations":[{"id":"x","fields":{"a":tru}}]}"#, "the body is not valid JSON", nil),
    ] as [(String, String, String?)])
    func badBodiesAreNamed(body: String, message: String, field: String?) {
        #expect(Self.problem(body) == PushBody.Problem(message: message, field: field))
    }

    @Test func invalidUTF8AndDeepNestingAreRefused() {
        var bytes = Array(#"{"operations":[{"id":""#.utf8)
        bytes += [0xC3, 0x28]
        bytes += Array(#""}]}"#.utf8)
        #expect(throws: PushBody.Problem(message: "the body is not valid JSON", field: nil)) { try PushBody.operations(in: ByteBuffer(bytes: bytes)) }
        let deep = #"{"operations":[],"x":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(Self.problem(deep) == PushBody.Problem(message: "the body is nested too deeply", field: nil))
    }
}
